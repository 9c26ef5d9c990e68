package sim

// JSON helpers the dialects share.

import (
	"encoding/json"
	"time"
)

// TimeMillis formats t in UTC with milliseconds, as Rails' JSON (Chatwoot) and Sunshine
// Conversations render times.
func TimeMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// NormalizeNumbers turns json.Number into int64 when integral, else float64.
func NormalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = NormalizeNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = NormalizeNumbers(e)
		}
		return x
	}
	return v
}

// NullStr is s, or JSON null for "".
func NullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// NullInt is i, or JSON null for 0.
func NullInt(i int) any {
	if i == 0 {
		return nil
	}
	return i
}
