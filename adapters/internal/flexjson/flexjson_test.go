package flexjson

import (
	"encoding/json"
	"testing"
	"time"
)

func TestLenientDecoding(t *testing.T) {
	var v struct {
		A, B, C, D String
		N, M, O    Int
		T, F       Bool
		E, R, Z    Time
	}
	in := `{"A":"x","B":42,"C":null,"D":{"k":1},"N":"7","M":3.9,"O":"no","T":"1","F":0,
		"E":1781949600,"R":"2026-06-20T10:00:00.000Z","Z":"garbage"}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "x" || v.B != "42" || v.C != "" || v.D != "" {
		t.Errorf("strings %+v", v)
	}
	if v.N != 7 || v.M != 3 || v.O != 0 || !bool(v.T) || bool(v.F) {
		t.Errorf("ints/bools %+v", v)
	}
	want := time.Date(2026, 6, 20, 10, 0, 0, 0, time.UTC)
	if !v.E.Equal(want) || !v.R.Equal(want) || !v.Z.IsZero() {
		t.Errorf("times %v %v %v", v.E, v.R, v.Z)
	}
	if err := json.Unmarshal([]byte(`{"A":"unterminated}`), &v); err == nil {
		t.Error("broken JSON must fail")
	}
}
