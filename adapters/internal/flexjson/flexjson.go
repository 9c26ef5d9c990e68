// Package flexjson reads helpdesk JSON leniently. Helpdesks render the same
// field as a string in one place and a number in another (ids, message
// types, timestamps), and a field of an unexpected type must not make a whole
// conversation unreadable. The adapters share these types.
package flexjson

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// String decodes a JSON string, number or boolean into its text; null,
// objects and arrays become "".
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		*s = ""
		return nil
	}
	switch b[0] {
	case '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = String(v)
	case 'n', '{', '[':
		*s = ""
	default: // number, true, false
		*s = String(b)
	}
	return nil
}

// String returns the text without surrounding space.
func (s String) String() string { return strings.TrimSpace(string(s)) }

// Int decodes a JSON number or numeric string; null and anything else are 0.
type Int int

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	var s String
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*n = Int(Atoi(string(s)))
	return nil
}

// Atoi reads an integer or a number with a fraction (truncated); anything
// else is 0.
func Atoi(s string) int {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return int(f)
	}
	return 0
}

// Bool decodes true, "true", 1 and "1" as true; anything else as false.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *Bool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(strings.TrimSpace(string(b)), `"`) {
	case "true", "1":
		*f = true
	default:
		*f = false
	}
	return nil
}

// Time decodes epoch seconds (possibly fractional) or an RFC 3339 / ISO-8601
// string; null or anything unreadable is the zero time.
type Time struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s String
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	v := strings.TrimSpace(string(s))
	t.Time = time.Time{}
	if v == "" {
		return nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		sec := int64(f)
		t.Time = time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z07:00", "2006-01-02 15:04:05 MST"} {
		if p, err := time.Parse(layout, v); err == nil {
			t.Time = p
			return nil
		}
	}
	return nil
}
