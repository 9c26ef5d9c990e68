package apiclient

import (
	"log/slog"
	"testing"
	"time"
)

func TestDefaultsApply(t *testing.T) {
	t.Parallel()
	d := Defaults{RetryMax: 3, RetryWaitMax: 10 * time.Second, HTTPTimeout: 5 * time.Second}
	tests := []struct {
		name             string
		url              string
		retry            int
		wait, timeout    time.Duration
		wantURL          string
		wantRetry        int
		wantWait, wantTO time.Duration
	}{
		{"zero", "", 0, 0, 0, "", 3, 10 * time.Second, 5 * time.Second},
		{"negative", " https://x.test/api// ", -1, -time.Second, -time.Second, "https://x.test/api", 0, 10 * time.Second, 5 * time.Second},
		{"set", "https://x.test", 7, time.Second, 2 * time.Second, "https://x.test", 7, time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		url, retry, wait, timeout := tt.url, tt.retry, tt.wait, tt.timeout
		var log *slog.Logger
		d.Apply(&url, &retry, &wait, &timeout, &log)
		if url != tt.wantURL || retry != tt.wantRetry || wait != tt.wantWait || timeout != tt.wantTO || log == nil {
			t.Errorf("%s: got %q %d %s %s (logger %v)", tt.name, url, retry, wait, timeout, log != nil)
		}
	}
	own := slog.Default()
	log := own
	var url string
	var retry int
	var wait, timeout time.Duration
	d.Apply(&url, &retry, &wait, &timeout, &log)
	if log != own {
		t.Error("a set logger was replaced")
	}
}
