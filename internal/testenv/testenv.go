// Package testenv gives tests the external services the test command
// provides (scripts/test.sh starts them). In CI a missing service fails the
// test; elsewhere it skips loudly.
package testenv

import (
	"os"
	"testing"
)

// RedisURL returns the Redis server scripts/test.sh started.
func RedisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("HANDOVER_TEST_REDIS_URL")
	if u == "" {
		Missing(t, "Redis (HANDOVER_TEST_REDIS_URL); run ./scripts/test.sh, which starts redis-server")
	}
	return u
}

// Missing fails the test in CI and skips it elsewhere, saying what is missing.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("missing %s: CI must provide it", what)
	}
	t.Skipf("SKIPPED: missing %s", what)
}
