package main

import (
	"os"
	"runtime/debug"
)

// Garbage-collector defaults of a serving process, used unless the operator
// sets GOGC or GOMEMLIMIT. A bot turn allocates about 100 KiB that dies at
// once; collecting at 5x the live heap instead of 2x keeps the collector
// off the webhook acks (their p99 under load), and the soft limit keeps
// 10,000 turns in flight within 150 MiB: near it the collector works
// harder rather than the heap growing (128 MiB of Go memory leaves room for
// the rest of the process). Measured in docs/performance.md.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 128 << 20
)

func tuneGC() {
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(defaultGCPercent)
	}
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
