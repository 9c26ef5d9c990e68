package zendesk

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones for HANDOVER_ZENDESK_TIMEZONE, also in a static container
)

// Hours are the opening hours of the human queue, in one time zone. Outside them nobody is
// available and the visitor is offered the offline message.
//
// Why a setting and not Zendesk's own schedules: a Support schedule
// (GET /api/v2/business_hours/schedules) names its zone in Rails form ("Eastern Time (US &
// Canada)"), is tied to groups only through triggers, and messaging's own operating hours live
// in the AI agent settings, which have no public API. The agents' messaging status (Agent
// Availability API) is read live; the hours are the administrator's statement of when to try.
type Hours struct {
	loc   *time.Location
	spans [7][]span // by time.Weekday
}

type span struct{ from, to int } // minutes since midnight, from < to <= 1440

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseHours reads an opening-hours spec such as "Mon-Fri 09:00-17:00; Sat 10:00-14:00" in the
// IANA time zone tz ("" is UTC). Segments are separated by ";"; days are Mon..Sun, a range
// "Mon-Fri" or a list "Mon,Wed"; times are HH:MM, 24:00 allowed as an end. An empty spec returns
// nil: always open.
func ParseHours(spec, tz string) (*Hours, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, nil
	}
	loc := time.UTC
	if tz = strings.TrimSpace(tz); tz != "" {
		var err error
		if loc, err = time.LoadLocation(tz); err != nil {
			return nil, fmt.Errorf("time zone %q: %w", tz, err)
		}
	}
	h := &Hours{loc: loc}
	for _, seg := range strings.Split(spec, ";") {
		seg = strings.TrimSpace(seg)
		if seg == "" {
			continue
		}
		days, times, ok := strings.Cut(seg, " ")
		if !ok {
			return nil, fmt.Errorf("%q: want <days> <HH:MM>-<HH:MM>", seg)
		}
		wds, err := parseDays(days)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", seg, err)
		}
		from, to, ok := strings.Cut(strings.TrimSpace(times), "-")
		if !ok {
			return nil, fmt.Errorf("%q: want <HH:MM>-<HH:MM>", seg)
		}
		f, err1 := parseClock(from)
		t, err2 := parseClock(to)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("%q: %w", seg, err)
		}
		if t <= f {
			return nil, fmt.Errorf("%q: the end must be after the start (split a span over midnight in two)", seg)
		}
		for _, d := range wds {
			h.spans[d] = append(h.spans[d], span{f, t})
		}
	}
	return h, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	var out []time.Weekday
	for _, part := range strings.Split(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		a, b, isRange := strings.Cut(part, "-")
		from, ok1 := dayNames[a]
		if !ok1 {
			return nil, fmt.Errorf("unknown day %q (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)", a)
		}
		if !isRange {
			out = append(out, from)
			continue
		}
		to, ok2 := dayNames[b]
		if !ok2 {
			return nil, fmt.Errorf("unknown day %q (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)", b)
		}
		for d := from; ; d = (d + 1) % 7 {
			out = append(out, d)
			if d == to {
				break
			}
		}
	}
	return out, nil
}

func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) || len(mm) != 2 || len(hh) != 2 {
		return 0, fmt.Errorf("%q is not a time HH:MM", s)
	}
	return h*60 + m, nil
}

// Open reports whether t falls within the opening hours. A nil Hours is always open.
func (h *Hours) Open(t time.Time) bool {
	if h == nil {
		return true
	}
	lt := t.In(h.loc)
	m := lt.Hour()*60 + lt.Minute()
	for _, s := range h.spans[lt.Weekday()] {
		if m >= s.from && m < s.to {
			return true
		}
	}
	return false
}
