package bot

import (
	"os"
	"strings"
	"testing"
)

func loadCorpus(t *testing.T, name string) []DetectorExample {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadDetectorCorpus(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ex
}

// TestDetectorCorpus scores IsHumanRequest on the labelled corpus (docs/judgment.md):
// the tuning split, on which the lexicon was tuned, and the held-out split, written
// before the detector and never tuned on.
func TestDetectorCorpus(t *testing.T) {
	t.Parallel()
	splits := []struct {
		file string
		// Thresholds: the tuning split must meet the target (recall ≥ 98%, false handovers
		// ≤ 2%); the held-out split measures 100% and 0.5% and guards against regressions
		// at recall ≥ 97% and false handovers ≤ 2%. Phrasings nobody anticipated score
		// lower (docs/judgment.md: 81-95% recall at first sight).
		minRecall, maxFalse float64
	}{
		{"human_requests.tsv", 0.98, 0.02},
		{"human_requests_heldout.tsv", 0.97, 0.02},
	}
	total, langs := 0, map[string]bool{}
	for _, s := range splits {
		ex := loadCorpus(t, s.file)
		total += len(ex)
		r := EvaluateDetector(ex)
		var b strings.Builder
		if err := r.Write(&b, true); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s:\n%s", s.file, b.String())
		for _, l := range r.Languages {
			langs[l.Lang] = true
		}
		o := r.Overall
		if o.Recall() < s.minRecall || o.FalseRate() > s.maxFalse {
			t.Errorf("%s: recall %.1f%% (want ≥ %.0f%%), false handovers %.1f%% (want ≤ %.0f%%)",
				s.file, 100*o.Recall(), 100*s.minRecall, 100*o.FalseRate(), 100*s.maxFalse)
		}
	}
	if total < 1500 || len(langs) < 40 {
		t.Errorf("corpus: %d lines in %d languages, want at least 1500 in 40", total, len(langs))
	}
}

// Every language of the corpus has requests and near-misses in both splits.
func TestDetectorCorpusBalanced(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"human_requests.tsv", "human_requests_heldout.tsv"} {
		for _, s := range EvaluateDetector(loadCorpus(t, file)).Languages {
			if s.Requests() < 4 || s.Others() < 4 {
				t.Errorf("%s: %s has %d requests and %d other lines", file, s.Lang, s.Requests(), s.Others())
			}
		}
	}
}

func TestReadDetectorCorpus(t *testing.T) {
	t.Parallel()
	ex, err := ReadDetectorCorpus(strings.NewReader("# comment\n\nhuman\ten\ttalk to a human\nother\tde\tWann?\n"))
	if err != nil || len(ex) != 2 || !ex[0].Human || ex[1].Human || ex[1].Lang != "de" || ex[1].Line != 4 {
		t.Fatalf("ReadDetectorCorpus = %+v, %v", ex, err)
	}
	for _, bad := range []string{"yes\ten\thi\n", "human\ten\n", "human\t\thi\n"} {
		if _, err := ReadDetectorCorpus(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadDetectorCorpus(%q): no error", bad)
		}
	}
}

func TestDetectorScore(t *testing.T) {
	t.Parallel()
	s := DetectorScore{TP: 9, FN: 1, FP: 1, TN: 49}
	if s.Recall() != 0.9 || s.Precision() != 0.9 || s.FalseRate() != 0.02 {
		t.Errorf("score %+v: recall %v precision %v false %v", s, s.Recall(), s.Precision(), s.FalseRate())
	}
	var empty DetectorScore
	if empty.Recall() != 1 || empty.FalseRate() != 0 {
		t.Errorf("empty score: recall %v false %v", empty.Recall(), empty.FalseRate())
	}
}

func openTestdata(name string) (*os.File, error) { return os.Open("testdata/" + name) }
