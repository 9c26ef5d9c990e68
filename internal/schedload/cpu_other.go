//go:build !unix

package schedload

import "time"

// processCPU cannot tell here: the scheduler's latency alone decides.
func processCPU() (time.Duration, bool) { return 0, false }
