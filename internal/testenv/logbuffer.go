package testenv

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
)

// LogBuffer is a log sink several goroutines may write to (a service under test and its
// background work); its zero value is ready.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (s *LogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *LogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Messages returns the msg of every JSON log record at level ("WARN", "INFO"...).
func (s *LogBuffer) Messages(level string) []string {
	var out []string
	for _, line := range strings.Split(s.String(), "\n") {
		var r struct{ Level, Msg string }
		if json.Unmarshal([]byte(line), &r) == nil && r.Level == level {
			out = append(out, r.Msg)
		}
	}
	return out
}
