package apiclient

import (
	"log/slog"
	"strings"
	"time"
)

// Defaults are an adapter's default values for the Config fields every adapter has
// (RetryMax, RetryWaitMax, HTTPTimeout, Logger, BaseURL). An adapter's withDefaults calls
// Apply on them, then fills in its own fields.
type Defaults struct {
	RetryMax     int
	RetryWaitMax time.Duration
	HTTPTimeout  time.Duration
}

// Apply fills in an adapter Config's shared fields, passed by pointer: a zero *retryMax
// becomes d.RetryMax and a negative one 0 (no retries); a *retryWaitMax or *httpTimeout
// that is not positive becomes d's; a nil *logger becomes a logger that discards
// everything; *baseURL loses surrounding white space and trailing slashes.
func (d Defaults) Apply(baseURL *string, retryMax *int, retryWaitMax, httpTimeout *time.Duration, logger **slog.Logger) {
	switch {
	case *retryMax == 0:
		*retryMax = d.RetryMax
	case *retryMax < 0:
		*retryMax = 0
	}
	if *retryWaitMax <= 0 {
		*retryWaitMax = d.RetryWaitMax
	}
	if *httpTimeout <= 0 {
		*httpTimeout = d.HTTPTimeout
	}
	if *logger == nil {
		*logger = slog.New(slog.DiscardHandler)
	}
	*baseURL = strings.TrimRight(strings.TrimSpace(*baseURL), "/")
}
