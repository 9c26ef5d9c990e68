package charttest

import (
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

var (
	rulesFile     = filepath.Join(repoRoot, "deploy", "prometheus", "handover-rules.yaml")
	operationsDoc = filepath.Join(repoRoot, "docs", "operations.md")
	promParser    = parser.NewParser(parser.Options{})
)

func loadRules(t *testing.T) *rulefmt.RuleGroups {
	t.Helper()
	// Unknown fields are errors; every expr, label and annotation template is validated.
	groups, errs := rulefmt.ParseFile(rulesFile, false, model.UTF8Validation, promParser, slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Error(err)
	}
	if groups == nil || len(groups.Groups) == 0 {
		t.Fatal("no rule groups")
	}
	return groups
}

// TestRulesParse: the rules load as Prometheus loads them (rulefmt), each expression parses and
// uses only metrics and labels server/metrics.go declares, and each alert is complete and
// documented in docs/operations.md.
func TestRulesParse(t *testing.T) {
	groups := loadRules(t)
	doc, err := os.ReadFile(operationsDoc)
	if err != nil {
		t.Fatalf("docs/operations.md: %v", err)
	}
	alerts := map[string]bool{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("group %s: a recording rule %q; this file holds alerts only", g.Name, r.Record)
				continue
			}
			if alerts[r.Alert] {
				t.Errorf("alert %s defined twice", r.Alert)
			}
			alerts[r.Alert] = true
			expr, err := promParser.ParseExpr(r.Expr)
			if err != nil {
				t.Errorf("%s: %v", r.Alert, err)
				continue
			}
			checkExprMetrics(t, r.Alert, expr)
			if sev := r.Labels["severity"]; sev != "warning" && sev != "critical" {
				t.Errorf("%s: severity %q", r.Alert, sev)
			}
			for _, a := range []string{"summary", "description", "runbook"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("%s: annotation %s missing", r.Alert, a)
				}
			}
			anchor := strings.ToLower(r.Alert)
			if r.Annotations["runbook"] != "docs/operations.md#"+anchor {
				t.Errorf("%s: runbook %q, want docs/operations.md#%s", r.Alert, r.Annotations["runbook"], anchor)
			}
			if !regexp.MustCompile(`(?m)^#+ ` + regexp.QuoteMeta(r.Alert) + `\s*$`).Match(doc) {
				t.Errorf("%s: no heading \"### %s\" in docs/operations.md", r.Alert, r.Alert)
			}
		}
	}
	// What the issue asks to be alerted on.
	for _, want := range []string{"HandoverWebhookSignatureFailures", "HandoverLLMErrors", "HandoverLLMSlow",
		"HandoverHandoverErrors", "HandoverShedding", "HandoverLLMSaturated", "HandoverHelpdeskRateLimited"} {
		if !alerts[want] {
			t.Errorf("no alert %s", want)
		}
	}
}

// checkExprMetrics: every selector names a metric the service exports (or up) and filters only
// on its labels; every by() groups by labels some metric of the expression has.
func checkExprMetrics(t testing.TB, where string, expr parser.Expr) {
	t.Helper()
	if len(metricNames(expr)) == 0 {
		t.Errorf("%s: %s selects no metric", where, expr)
	}
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			if n.Name == "" {
				t.Errorf("%s: selector %s without a metric name", where, n)
				return nil
			}
			labels, ok := lookupMetric(t, n.Name)
			if !ok {
				t.Errorf("%s: metric %s is not declared in server/metrics.go", where, n.Name)
				return nil
			}
			for _, m := range n.LabelMatchers {
				if m.Name != model.MetricNameLabel && !labels[m.Name] {
					t.Errorf("%s: %s has no label %q", where, n.Name, m.Name)
				}
			}
		case *parser.AggregateExpr:
			if n.Without {
				return nil
			}
			have := map[string]bool{}
			for _, name := range metricNames(n.Expr) {
				labels, _ := lookupMetric(t, name)
				for l := range labels {
					have[l] = true
				}
			}
			for _, l := range n.Grouping {
				if !have[l] {
					t.Errorf("%s: %s groups by %q, which none of its metrics has", where, n, l)
				}
			}
		}
		return nil
	})
}

func metricNames(expr parser.Node) []string {
	var out []string
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		if v, ok := node.(*parser.VectorSelector); ok && v.Name != "" {
			out = append(out, v.Name)
		}
		return nil
	})
	return out
}

// TestCheckExprMetricsCatches: the metric check is not vacuous.
func TestCheckExprMetricsCatches(t *testing.T) {
	for _, q := range []string{
		`rate(handover_webhook_total[5m])`,                                                     // misspelt metric
		`rate(handover_webhooks_total{status="401"}[5m])`,                                      // label of another metric
		`sum by (reason) (rate(handover_webhooks_total[5m]))`,                                  // grouping by a missing label
		`histogram_quantile(0.9, rate(handover_llm_seconds_bucket[5m])) > handover_llm_second`, // typo
		`handover_llm_seconds`,                                                                 // a histogram has no plain series
	} {
		expr, err := promParser.ParseExpr(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		ft := &fakeT{TB: t}
		checkExprMetrics(ft, q, expr)
		if !ft.failed {
			t.Errorf("%s passed the metric check", q)
		}
	}
}

// fakeT records failures instead of failing the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Error(...any)          { f.failed = true }
