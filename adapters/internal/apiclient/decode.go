package apiclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// DecodeJSON unmarshals a webhook body into v with errors that say where the body is wrong,
// each starting with prefix (e.g. "chatwoot webhook"): "empty body", "invalid JSON at offset
// N: ...", "field F: cannot use JSON string at offset N as int". The webhook handler answers
// them with 400.
func DecodeJSON(prefix string, body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New(prefix + ": empty body")
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%s: invalid JSON at offset %d: %v", prefix, syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Errorf("%s: field %s: cannot use JSON %s at offset %d as %s", prefix, field, typ.Value, typ.Offset, typ.Type)
	default:
		return fmt.Errorf("%s: invalid JSON: %w", prefix, err)
	}
}
