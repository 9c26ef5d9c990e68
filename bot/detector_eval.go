package bot

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// DetectorExample is one labelled line of a detector corpus (bot/testdata/*.tsv):
// "label<TAB>language<TAB>text", label human (a request for a person) or other.
type DetectorExample struct {
	Human bool
	Lang  string
	Text  string
	Line  int
}

// ReadDetectorCorpus reads a corpus; blank lines and lines starting with # are skipped.
func ReadDetectorCorpus(r io.Reader) ([]DetectorExample, error) {
	var out []DetectorExample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 || strings.TrimSpace(f[1]) == "" || strings.TrimSpace(f[2]) == "" {
			return nil, fmt.Errorf("line %d: want label<TAB>language<TAB>text", n)
		}
		var human bool
		switch f[0] {
		case "human":
			human = true
		case "other":
		default:
			return nil, fmt.Errorf("line %d: label %q is neither human nor other", n, f[0])
		}
		out = append(out, DetectorExample{Human: human, Lang: strings.TrimSpace(f[1]), Text: f[2], Line: n})
	}
	return out, sc.Err()
}

// DetectorScore counts the detector's answers on one language (or all).
type DetectorScore struct {
	Lang string
	TP   int // requests handed over
	FN   int // requests missed
	FP   int // other messages handed over (false handovers)
	TN   int // other messages left to the bot
}

// Requests is the number of requests for a person; Others the number of other messages.
func (s DetectorScore) Requests() int { return s.TP + s.FN }
func (s DetectorScore) Others() int   { return s.FP + s.TN }

// Recall is the share of requests handed over (1 without requests).
func (s DetectorScore) Recall() float64 { return ratio(s.TP, s.TP+s.FN) }

// Precision is the share of handovers that were requests (1 without handovers).
func (s DetectorScore) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }

// FalseRate is the share of other messages handed over (0 without other messages).
func (s DetectorScore) FalseRate() float64 {
	if s.FP+s.TN == 0 {
		return 0
	}
	return float64(s.FP) / float64(s.FP+s.TN)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func (s *DetectorScore) add(human, handed bool) {
	switch {
	case human && handed:
		s.TP++
	case human:
		s.FN++
	case handed:
		s.FP++
	default:
		s.TN++
	}
}

// DetectorReport is the detector's score on a corpus.
type DetectorReport struct {
	Overall   DetectorScore
	Languages []DetectorScore // by language code
	Missed    []DetectorExample
	False     []DetectorExample // other messages handed over
}

// EvaluateDetector runs IsHumanRequest on every example.
func EvaluateDetector(examples []DetectorExample) DetectorReport {
	r := DetectorReport{Overall: DetectorScore{Lang: "all"}}
	by := map[string]*DetectorScore{}
	for _, e := range examples {
		handed := IsHumanRequest(e.Text)
		s := by[e.Lang]
		if s == nil {
			s = &DetectorScore{Lang: e.Lang}
			by[e.Lang] = s
		}
		s.add(e.Human, handed)
		r.Overall.add(e.Human, handed)
		switch {
		case e.Human && !handed:
			r.Missed = append(r.Missed, e)
		case !e.Human && handed:
			r.False = append(r.False, e)
		}
	}
	for _, s := range by {
		r.Languages = append(r.Languages, *s)
	}
	sort.Slice(r.Languages, func(i, j int) bool { return r.Languages[i].Lang < r.Languages[j].Lang })
	return r
}

// Write prints the report: one row per language and the overall row; with examples, the
// missed requests and the false handovers too.
func (r DetectorReport) Write(w io.Writer, examples bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "lang\trequests\tothers\tprecision\trecall\tfalse handovers\tmissed\tfalse\t")
	row := func(s DetectorScore) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f%%\t%.1f%%\t%.1f%%\t%d\t%d\t\n", s.Lang, s.Requests(), s.Others(),
			100*s.Precision(), 100*s.Recall(), 100*s.FalseRate(), s.FN, s.FP)
	}
	for _, s := range r.Languages {
		row(s)
	}
	row(r.Overall)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d lines, %d languages: recall %.1f%%, false handovers %.1f%%, precision %.1f%%\n",
		r.Overall.Requests()+r.Overall.Others(), len(r.Languages), 100*r.Overall.Recall(), 100*r.Overall.FalseRate(),
		100*r.Overall.Precision())
	if examples {
		for _, e := range r.Missed {
			fmt.Fprintf(w, "missed  %4d %s  %s\n", e.Line, e.Lang, e.Text)
		}
		for _, e := range r.False {
			fmt.Fprintf(w, "false   %4d %s  %s\n", e.Line, e.Lang, e.Text)
		}
	}
	return nil
}
