package apiclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Redactor removes secrets from text bound for errors and logs. The zero Redactor removes
// nothing.
type Redactor struct{ secrets []string }

// NewRedactor returns a Redactor for secrets. Values under 4 characters (after trimming
// white space) are left alone: replacing them would garble every message, and real keys
// and tokens are far longer.
func NewRedactor(secrets ...string) Redactor {
	return newRedactor(false, secrets)
}

// NewURLRedactor is NewRedactor that also removes each secret's query-escaped form, for
// secrets that travel in URLs.
func NewURLRedactor(secrets ...string) Redactor {
	return newRedactor(true, secrets)
}

func newRedactor(escaped bool, secrets []string) Redactor {
	var r Redactor
	for _, s := range secrets {
		if len(strings.TrimSpace(s)) < 4 {
			continue
		}
		r.secrets = append(r.secrets, s)
		if escaped {
			r.secrets = append(r.secrets, url.QueryEscape(s))
		}
	}
	return r
}

// Redact replaces every secret in s with "[REDACTED]".
func (r Redactor) Redact(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "[REDACTED]")
	}
	return s
}

// redactedError keeps an error's chain (errors.Is still sees context.DeadlineExceeded,
// syscall errors...) while its text is redacted.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// TransportError returns err with its text redacted and, for a *url.Error, the URL (host,
// path and query, which callers name themselves or which may hold a key) left out: the
// *url.Error's text becomes its inner error's, preceded by the operation ("Get: ...") when
// keepOp is set, and the result unwraps to the inner error.
func (r Redactor) TransportError(err error, keepOp bool) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		inner := ue.Err.Error()
		if keepOp {
			inner = ue.Op + ": " + inner
		}
		msg := strings.Replace(err.Error(), ue.Error(), inner, 1)
		return &redactedError{msg: r.Redact(msg), err: ue.Err}
	}
	return &redactedError{msg: r.Redact(err.Error()), err: err}
}

// Logger adapts slog to retryablehttp.LeveledLogger. Values are redacted and rendered as
// text (durations, ints and bools as they are; a request as its method and path).
// retryablehttp logs every failed attempt as an error; callers report the final outcome
// themselves, so those become warnings.
type Logger struct {
	Log      *slog.Logger
	Redactor Redactor
	// Prefix starts every message, e.g. "chatwoot http: ".
	Prefix string
	// InfoLevel is the level of retryablehttp's Info lines (the zero value is slog.LevelInfo).
	InfoLevel slog.Level
	// StringerDurations renders durations with their String method, as any fmt.Stringer,
	// instead of passing them to slog as durations.
	StringerDurations bool
}

func (l Logger) log(level slog.Level, msg string, kv []any) {
	if !l.Log.Enabled(context.Background(), level) {
		return
	}
	args := make([]any, 0, len(kv))
	for i, v := range kv {
		if i%2 == 0 {
			args = append(args, v)
			continue
		}
		args = append(args, l.value(v))
	}
	l.Log.Log(context.Background(), level, l.Prefix+l.Redactor.Redact(msg), args...)
}

func (l Logger) value(v any) any {
	switch x := v.(type) {
	case string:
		return l.Redactor.Redact(x)
	case error:
		return l.Redactor.Redact(x.Error())
	case time.Duration:
		if l.StringerDurations {
			return l.Redactor.Redact(x.String())
		}
		return x
	case int, int64, bool:
		return x
	case *http.Request:
		return x.Method + " " + x.URL.Path
	case fmt.Stringer:
		return l.Redactor.Redact(x.String())
	default:
		return l.Redactor.Redact(fmt.Sprint(x))
	}
}

// Error implements retryablehttp.LeveledLogger; it logs a warning.
func (l Logger) Error(msg string, kv ...any) { l.log(slog.LevelWarn, msg, kv) }

// Info implements retryablehttp.LeveledLogger, at InfoLevel.
func (l Logger) Info(msg string, kv ...any) { l.log(l.InfoLevel, msg, kv) }

// Debug implements retryablehttp.LeveledLogger.
func (l Logger) Debug(msg string, kv ...any) { l.log(slog.LevelDebug, msg, kv) }

// Warn implements retryablehttp.LeveledLogger.
func (l Logger) Warn(msg string, kv ...any) { l.log(slog.LevelWarn, msg, kv) }
