package charttest

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

// What the service's source declares, read as text from the main module (this module does not
// import it): its metrics (server/metrics.go) and its HANDOVER_* variables (envconfig tags).

// Metric is one metric of server/metrics.go.
type Metric struct {
	Name      string
	Labels    []string
	Histogram bool
}

var (
	metricsOnce sync.Once
	metricsSrc  string
	metricsErr  error
)

func metricsSource(t testing.TB) string {
	t.Helper()
	metricsOnce.Do(func() {
		var b []byte
		b, metricsErr = os.ReadFile(filepath.Join(repoRoot, "server", "metrics.go"))
		metricsSrc = string(b)
	})
	if metricsErr != nil {
		t.Fatalf("read server/metrics.go: %v", metricsErr)
	}
	return metricsSrc
}

var (
	// Name: "handover_x", Help: "..."}, []string{"a", "b"}  (the non-greedy match stops at the
	// options' closing brace that the label list follows; a histogram's Buckets braces come first).
	vecRE = regexp.MustCompile(`(?s)(CounterOpts|GaugeOpts|HistogramOpts|SummaryOpts)\{\s*Name:\s*"(handover_[a-z0-9_]+)".*?\}\s*,\s*\[\]string\{([^}]*)\}`)
	// gauge("handover_x", ...): the limiter's gauge funcs, no labels.
	gaugeFuncRE = regexp.MustCompile(`gauge\("(handover_[a-z0-9_]+)"`)
	anyNameRE   = regexp.MustCompile(`"(handover_[a-z0-9_]+)"`)
	quotedRE    = regexp.MustCompile(`"([^"]*)"`)
)

// sourceMetrics returns the metrics declared in server/metrics.go by name.
func sourceMetrics(t testing.TB) map[string]Metric {
	t.Helper()
	src := metricsSource(t)
	out := map[string]Metric{}
	for _, m := range vecRE.FindAllStringSubmatch(src, -1) {
		var labels []string
		for _, q := range quotedRE.FindAllStringSubmatch(m[3], -1) {
			labels = append(labels, q[1])
		}
		out[m[2]] = Metric{Name: m[2], Labels: labels, Histogram: m[1] == "HistogramOpts"}
	}
	for _, m := range gaugeFuncRE.FindAllStringSubmatch(src, -1) {
		out[m[1]] = Metric{Name: m[1]}
	}
	// Every handover_* literal of the file must have been understood above.
	for _, m := range anyNameRE.FindAllStringSubmatch(src, -1) {
		if _, ok := out[m[1]]; !ok {
			t.Fatalf("server/metrics.go: %s is declared in a way this test does not parse; teach sourceMetrics", m[1])
		}
	}
	if len(out) < 8 {
		t.Fatalf("server/metrics.go: found only %d metrics: %v", len(out), out)
	}
	return out
}

// targetLabels are the labels Prometheus (and the Prometheus Operator) attach to every scraped
// series; queries may group or filter by them.
var targetLabels = map[string]bool{"job": true, "instance": true, "namespace": true, "pod": true,
	"service": true, "container": true, "endpoint": true}

// LookupMetric resolves a series name used in a query to the declared metric and the labels it
// has: a histogram's _bucket (plus le), _sum and _count; the Go and process collectors' go_* and
// process_* series when metrics.go registers them; Prometheus' own up.
func lookupMetric(t testing.TB, name string) (labels map[string]bool, ok bool) {
	t.Helper()
	metrics := sourceMetrics(t)
	labels = map[string]bool{}
	for k := range targetLabels {
		labels[k] = true
	}
	add := func(m Metric) {
		for _, l := range m.Labels {
			labels[l] = true
		}
	}
	if m, found := metrics[name]; found && !m.Histogram {
		add(m)
		return labels, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if m, found := metrics[strings.TrimSuffix(name, suffix)]; found && m.Histogram && strings.HasSuffix(name, suffix) {
			add(m)
			if suffix == "_bucket" {
				labels["le"] = true
			}
			return labels, true
		}
	}
	src := metricsSource(t)
	switch {
	case name == "up":
		return labels, true
	case strings.HasPrefix(name, "go_") && strings.Contains(src, "collectors.NewGoCollector("):
		return labels, true
	case strings.HasPrefix(name, "process_") && strings.Contains(src, "collectors.NewProcessCollector("):
		return labels, true
	}
	return nil, false
}

// Var is one HANDOVER_* variable of the service.
type Var struct {
	Name   string
	Secret bool
	File   string
}

var (
	varsOnce sync.Once
	varsMap  map[string]Var
	varsErr  error
	// Field  Type  `... envconfig:"HANDOVER_X" ...`
	envTagRE = regexp.MustCompile("^\\s*\\w+\\s+([\\w.\\[\\]*]+)\\s+`[^`]*envconfig:\"(HANDOVER_[A-Z0-9_]+)\"")
)

// sourceVars returns every HANDOVER_* variable declared by an envconfig tag in the main
// module's non-test Go files, and whether its type is Secret.
func sourceVars(t testing.TB) map[string]Var {
	t.Helper()
	varsOnce.Do(func() {
		varsMap = map[string]Var{}
		varsErr = filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				switch d.Name() {
				case ".git", "deploy", "testdata", "node_modules":
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, line := range strings.Split(string(b), "\n") {
				m := envTagRE.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				typ := m[1]
				varsMap[m[2]] = Var{Name: m[2], Secret: typ == "Secret" || strings.HasSuffix(typ, ".Secret"), File: p}
			}
			return nil
		})
	})
	if varsErr != nil {
		t.Fatalf("read the main module's source: %v", varsErr)
	}
	if h, ok := varsMap["HANDOVER_HELPDESK"]; len(varsMap) < 40 || !ok || h.Secret || !varsMap["HANDOVER_LLM_API_KEY"].Secret {
		t.Fatalf("envconfig variables not found as expected (%d found)", len(varsMap))
	}
	return varsMap
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestSourceIsReadable(t *testing.T) {
	metrics := sourceMetrics(t)
	for _, name := range []string{"handover_webhooks_total", "handover_turns_total", "handover_handovers_total",
		"handover_llm_seconds", "handover_helpdesk_requests_total", "handover_llm_limit", "handover_llm_in_flight", "handover_llm_waiting"} {
		if _, ok := metrics[name]; !ok {
			t.Errorf("metric %s not found in server/metrics.go (found %v)", name, sortedKeys(metrics))
		}
	}
	if m := metrics["handover_webhooks_total"]; strings.Join(m.Labels, ",") != "helpdesk,outcome" {
		t.Errorf("handover_webhooks_total labels %v", m.Labels)
	}
	if m := metrics["handover_llm_seconds"]; !m.Histogram || strings.Join(m.Labels, ",") != "result" {
		t.Errorf("handover_llm_seconds: %+v", m)
	}
	vars := sourceVars(t)
	if v := vars["HANDOVER_CHATWOOT_BOT_TOKEN"]; !v.Secret {
		t.Errorf("HANDOVER_CHATWOOT_BOT_TOKEN: %+v", v)
	}
	if v, ok := vars["HANDOVER_ZENDESK_KEY_ID"]; !ok || v.Secret {
		t.Errorf("HANDOVER_ZENDESK_KEY_ID: %+v", v)
	}
}
