package zendesk

import (
	"testing"
	"time"
)

func TestParseHours(t *testing.T) {
	h, err := ParseHours("Mon-Fri 09:00-17:00; Sat 10:00-14:00; sun,wed 20:00-24:00", "Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(day, hh, mm int) time.Time { return time.Date(2026, 3, day, hh, mm, 0, 0, berlin) } // 2026-03-02 is a Monday
	cases := []struct {
		t    time.Time
		open bool
	}{
		{at(2, 9, 0), true},
		{at(2, 8, 59), false},
		{at(2, 16, 59), true},
		{at(2, 17, 0), false},
		{at(6, 12, 0), true},  // Friday
		{at(7, 13, 59), true}, // Saturday
		{at(7, 14, 0), false},
		{at(8, 23, 59), true}, // Sunday late
		{at(8, 12, 0), false},
		{at(4, 21, 0), true}, // Wednesday late (and within Mon-Fri? no: 21:00)
		{time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC), true}, // 09:30 in Berlin
	}
	for _, tc := range cases {
		if got := h.Open(tc.t); got != tc.open {
			t.Errorf("%s: open=%v, want %v", tc.t, got, tc.open)
		}
	}
	var none *Hours
	if !none.Open(time.Now()) {
		t.Fatal("no hours means always open")
	}
	if h, err := ParseHours("  ", ""); h != nil || err != nil {
		t.Fatalf("empty spec: %v %v", h, err)
	}
	// A range that wraps the week.
	w, err := ParseHours("Fri-Mon 00:00-24:00", "")
	if err != nil || !w.Open(time.Date(2026, 3, 8, 3, 0, 0, 0, time.UTC)) || w.Open(time.Date(2026, 3, 4, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("wrapping range: %v", err)
	}
}

func TestParseHoursErrors(t *testing.T) {
	for _, spec := range []string{
		"Mon-Fri", "Mon-Fri 9-17", "Funday 09:00-17:00", "Mon 17:00-09:00", "Mon 09:00-25:00",
		"Mon 09:60-10:00", "Mon 24:30-24:40", "Mon-Xyz 09:00-10:00", "Mon 9:00-10:00",
	} {
		if _, err := ParseHours(spec, ""); err == nil {
			t.Errorf("%q: want an error", spec)
		}
	}
	if _, err := ParseHours("Mon 09:00-10:00", "Mars/Olympus"); err == nil {
		t.Error("unknown time zone accepted")
	}
}
