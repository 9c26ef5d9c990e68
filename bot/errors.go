package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tmc/langchaingo/llms"

	"github.com/handover-dev/handover/handover"
	"github.com/tmc/langchaingo/llms/anthropic"
	"github.com/tmc/langchaingo/llms/openai"
)

// providerError maps a provider error to langchaingo's standard codes
// (llms.IsRateLimitError, llms.IsAuthenticationError, ... work on the
// result), removes the API key from its text, and adds the context's cause
// when the call was cut by a deadline or a cancel.
func (a *Assistant) providerError(ctx context.Context, err error) error {
	e := a.mapError(ctx, err)
	// Rate limits and overloads (429, 503) tell the engine's LLM limiter to
	// back off and wait the provider's Retry-After.
	if ci, ok := ctx.Value(callInfoKey{}).(*callInfo); ok {
		status, after := ci.get()
		if status == 429 || status == 503 || llms.IsRateLimitError(e) {
			return &handover.OverloadError{RetryAfter: after, Err: e}
		}
	} else if llms.IsRateLimitError(e) {
		return &handover.OverloadError{Err: e}
	}
	return e
}

func (a *Assistant) mapError(ctx context.Context, err error) error {
	mapped := err
	switch a.provider {
	case ProviderOpenAI:
		mapped = openai.MapError(err)
	case ProviderAnthropic:
		mapped = anthropic.MapError(err)
	}
	// openai hides context errors behind a generic "request timeout" text.
	switch ctxErr := ctx.Err(); {
	case errors.Is(ctxErr, context.DeadlineExceeded) && !llms.IsTimeoutError(mapped):
		mapped = llms.NewError(llms.ErrCodeTimeout, a.provider, "the call exceeded its deadline").WithCause(err)
	case errors.Is(ctxErr, context.Canceled) && !llms.IsCanceledError(mapped):
		mapped = llms.NewError(llms.ErrCodeCanceled, a.provider, "the call was canceled").WithCause(err)
	}
	out := &callError{err: mapped, text: describe(mapped, err)}
	var e error = out
	if ctxErr := context.Cause(ctx); ctxErr != nil && !errors.Is(e, ctxErr) {
		e = fmt.Errorf("%w (%w)", e, ctxErr)
	}
	return redact(e, a.apiKey)
}

// callError is a mapped provider error whose text also says what the
// provider answered.
type callError struct {
	err  error
	text string
}

func (e *callError) Error() string { return e.text }
func (e *callError) Unwrap() error { return e.err }

func describe(mapped, orig error) string {
	var le *llms.Error
	if !errors.As(mapped, &le) || le.Cause == nil || le.Message == orig.Error() {
		return mapped.Error()
	}
	return le.Error() + ": " + orig.Error()
}

// redact hides secret in err's text; errors.Is and errors.As still see the
// wrapped errors.
func redact(err error, secret string) error {
	if err == nil || len(secret) < 4 || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redactedError{err: err, text: strings.ReplaceAll(err.Error(), secret, "[REDACTED]")}
}

type redactedError struct {
	err  error
	text string
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }
