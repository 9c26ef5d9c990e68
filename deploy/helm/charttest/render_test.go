package charttest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	chartcommon "helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Paths from this module's directory to what it checks.
const (
	chartDir   = "../handover"
	repoRoot   = "../../.."
	releaseNS  = "support"
	releaseNam = "hd"
)

// ServiceMonitor is the part of monitoring.coreos.com/v1 ServiceMonitor the chart renders,
// decoded strictly (an unknown or misspelt field fails).
type ServiceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		JobLabel          string `json:"jobLabel,omitempty"`
		NamespaceSelector struct {
			Any        bool     `json:"any,omitempty"`
			MatchNames []string `json:"matchNames,omitempty"`
		} `json:"namespaceSelector"`
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port              string           `json:"port"`
			Path              string           `json:"path"`
			Scheme            string           `json:"scheme,omitempty"`
			Interval          string           `json:"interval,omitempty"`
			ScrapeTimeout     string           `json:"scrapeTimeout,omitempty"`
			Relabelings       []map[string]any `json:"relabelings,omitempty"`
			MetricRelabelings []map[string]any `json:"metricRelabelings,omitempty"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// Rendered is one release's output: every object decoded into its API type, and NOTES.txt.
type Rendered struct {
	Notes   string
	Objects []Object

	ConfigMaps      map[string]*corev1.ConfigMap
	Secrets         map[string]*corev1.Secret
	Services        map[string]*corev1.Service
	ServiceAccounts map[string]*corev1.ServiceAccount
	Deployments     map[string]*appsv1.Deployment
	HPAs            map[string]*autoscalingv2.HorizontalPodAutoscaler
	PDBs            map[string]*policyv1.PodDisruptionBudget
	Ingresses       map[string]*networkingv1.Ingress
	NetworkPolicies map[string]*networkingv1.NetworkPolicy
	ServiceMonitors map[string]*ServiceMonitor
}

// Object is one rendered manifest.
type Object struct {
	Template string
	Kind     string
	Meta     metav1.ObjectMeta
	Value    any
}

func (r *Rendered) kinds() []string {
	var out []string
	for _, o := range r.Objects {
		out = append(out, o.Kind+"/"+o.Meta.Name)
	}
	sort.Strings(out)
	return out
}

// loadChart loads the chart from its directory, as helm install does.
func loadChart(t testing.TB) *chart.Chart {
	t.Helper()
	c, err := loader.LoadDir(chartDir)
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	return c
}

// renderRaw renders the chart with values as `helm template` does: values coalesced with
// values.yaml and checked against values.schema.json, templates in strict mode (a reference to a
// value that does not exist fails). It returns the output of each template file.
func renderRaw(t testing.TB, c *chart.Chart, values map[string]any) (map[string]string, error) {
	t.Helper()
	opts := chartcommon.ReleaseOptions{Name: releaseNam, Namespace: releaseNS, Revision: 1, IsInstall: true}
	rv, err := chartutil.ToRenderValues(c, values, opts, chartcommon.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	return engine.Engine{Strict: true}.Render(c, rv)
}

// render renders the chart with values and decodes every object strictly; any failure fails t.
func render(t testing.TB, values map[string]any) *Rendered {
	t.Helper()
	files, err := renderRaw(t, loadChart(t), values)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	r, err := decodeAll(files)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// decodeAll splits every template's output into documents and decodes each into its Kubernetes
// API type with sigs.k8s.io/yaml's UnmarshalStrict (unknown fields, duplicate keys and wrong
// types fail). A kind the test does not know fails too.
func decodeAll(files map[string]string) (*Rendered, error) { return decodeFiles(files, true) }

// decodeFiles is decodeAll; chartLabels asks for the chart's standard labels on every object.
func decodeFiles(files map[string]string, chartLabels bool) (*Rendered, error) {
	r := &Rendered{
		ConfigMaps: map[string]*corev1.ConfigMap{}, Secrets: map[string]*corev1.Secret{},
		Services: map[string]*corev1.Service{}, ServiceAccounts: map[string]*corev1.ServiceAccount{},
		Deployments: map[string]*appsv1.Deployment{}, HPAs: map[string]*autoscalingv2.HorizontalPodAutoscaler{},
		PDBs: map[string]*policyv1.PodDisruptionBudget{}, Ingresses: map[string]*networkingv1.Ingress{},
		NetworkPolicies: map[string]*networkingv1.NetworkPolicy{}, ServiceMonitors: map[string]*ServiceMonitor{},
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	seen := map[string]string{}
	for _, name := range names {
		base := path.Base(name)
		switch {
		case base == "NOTES.txt":
			r.Notes = files[name]
			continue
		case strings.HasPrefix(base, "_"):
			if strings.TrimSpace(files[name]) != "" {
				errs = append(errs, fmt.Errorf("%s: a partial rendered output", name))
			}
			continue
		}
		docs, err := splitDocs(files[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		for i, doc := range docs {
			o, err := decode(r, doc)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s document %d: %w\n%s", name, i, err, doc))
				continue
			}
			o.Template = name
			key := o.Kind + "/" + o.Meta.Name
			if prev, dup := seen[key]; dup {
				errs = append(errs, fmt.Errorf("%s: %s rendered twice (also by %s)", name, key, prev))
			}
			seen[key] = name
			if err := checkMeta(o, chartLabels); err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", name, key, err))
			}
			r.Objects = append(r.Objects, o)
		}
	}
	return r, errors.Join(errs...)
}

// splitDocs splits a YAML stream into its non-empty documents.
func splitDocs(s string) ([][]byte, error) {
	rd := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(s)))
	var out [][]byte
	for {
		doc, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var probe any
		if err := yaml.Unmarshal(doc, &probe); err != nil {
			return nil, fmt.Errorf("not YAML: %w\n%s", err, doc)
		}
		if probe != nil {
			out = append(out, bytes.TrimSpace(doc))
		}
	}
}

func decode(r *Rendered, doc []byte) (Object, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return Object{}, err
	}
	var (
		obj metav1.Object
		err error
	)
	switch tm.APIVersion + " " + tm.Kind {
	case "v1 ConfigMap":
		obj, err = into(doc, r.ConfigMaps)
	case "v1 Secret":
		obj, err = into(doc, r.Secrets)
	case "v1 Service":
		obj, err = into(doc, r.Services)
	case "v1 ServiceAccount":
		obj, err = into(doc, r.ServiceAccounts)
	case "apps/v1 Deployment":
		obj, err = into(doc, r.Deployments)
	case "autoscaling/v2 HorizontalPodAutoscaler":
		obj, err = into(doc, r.HPAs)
	case "policy/v1 PodDisruptionBudget":
		obj, err = into(doc, r.PDBs)
	case "networking.k8s.io/v1 Ingress":
		obj, err = into(doc, r.Ingresses)
	case "networking.k8s.io/v1 NetworkPolicy":
		obj, err = into(doc, r.NetworkPolicies)
	case "monitoring.coreos.com/v1 ServiceMonitor":
		var sm *ServiceMonitor
		if sm, err = into(doc, r.ServiceMonitors); err == nil {
			obj, err = sm, checkServiceMonitorShape(sm)
		}
	default:
		return Object{}, fmt.Errorf("unexpected apiVersion %q kind %q", tm.APIVersion, tm.Kind)
	}
	if err != nil {
		return Object{}, err
	}
	meta := metav1.ObjectMeta{Name: obj.GetName(), Namespace: obj.GetNamespace(), Labels: obj.GetLabels(), Annotations: obj.GetAnnotations()}
	return Object{Kind: tm.Kind, Meta: meta, Value: obj}, nil
}

// into decodes doc strictly into a new T and files it under its name in m.
func into[T any, PT interface {
	*T
	metav1.Object
}](doc []byte, m map[string]PT) (PT, error) {
	v := PT(new(T))
	if err := yaml.UnmarshalStrict(doc, v); err != nil {
		return nil, err
	}
	m[v.GetName()] = v
	return v, nil
}

// checkServiceMonitorShape checks the fields the Prometheus Operator requires.
func checkServiceMonitorShape(sm *ServiceMonitor) error {
	var errs []error
	if len(sm.Spec.Selector.MatchLabels) == 0 && len(sm.Spec.Selector.MatchExpressions) == 0 {
		errs = append(errs, errors.New("spec.selector is empty (it would select every Service)"))
	}
	if len(sm.Spec.Endpoints) == 0 {
		errs = append(errs, errors.New("spec.endpoints is empty"))
	}
	for i, ep := range sm.Spec.Endpoints {
		if ep.Port == "" {
			errs = append(errs, fmt.Errorf("spec.endpoints[%d].port is empty", i))
		}
		if !strings.HasPrefix(ep.Path, "/") {
			errs = append(errs, fmt.Errorf("spec.endpoints[%d].path %q", i, ep.Path))
		}
	}
	return errors.Join(errs...)
}

// checkMeta applies the API server's rules for names and labels, and the chart's own: the
// standard labels on every object, no namespace (helm sets it).
func checkMeta(o Object, chartLabels bool) error {
	var errs []error
	m := o.Meta
	for _, msg := range validation.IsDNS1123Subdomain(m.Name) {
		errs = append(errs, fmt.Errorf("name %q: %s", m.Name, msg))
	}
	if o.Kind == "Service" {
		for _, msg := range validation.IsDNS1035Label(m.Name) {
			errs = append(errs, fmt.Errorf("service name %q: %s", m.Name, msg))
		}
	}
	if m.Namespace != "" {
		errs = append(errs, fmt.Errorf("namespace %q set in the template", m.Namespace))
	}
	if err := checkLabels(m.Labels); err != nil {
		errs = append(errs, err)
	}
	for _, k := range []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "helm.sh/chart"} {
		if chartLabels && m.Labels[k] == "" {
			errs = append(errs, fmt.Errorf("label %s missing", k))
		}
	}
	for k := range m.Annotations {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, fmt.Errorf("annotation key %q: %s", k, msg))
		}
	}
	return errors.Join(errs...)
}

func checkLabels(l map[string]string) error {
	var errs []error
	for k, v := range l {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, fmt.Errorf("label key %q: %s", k, msg))
		}
		for _, msg := range validation.IsValidLabelValue(v) {
			errs = append(errs, fmt.Errorf("label %s value %q: %s", k, v, msg))
		}
	}
	return errors.Join(errs...)
}

// TestDecoderIsStrict: the decoding the chart tests rely on rejects what the API server would.
func TestDecoderIsStrict(t *testing.T) {
	base := "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels: {app.kubernetes.io/name: x, app.kubernetes.io/instance: i, app.kubernetes.io/managed-by: Helm, helm.sh/chart: c}\nspec:\n  ports: [{port: 80}]\n"
	if _, err := decodeAll(map[string]string{"c/templates/s.yaml": base}); err != nil {
		t.Fatalf("a valid Service: %v", err)
	}
	for name, doc := range map[string]string{
		"unknown field":   base + "  selectr: {a: b}\n",
		"duplicate key":   base + "  ports: [{port: 81}]\n",
		"wrong type":      strings.Replace(base, "port: 80", "port: eighty", 1),
		"unknown kind":    strings.Replace(base, "kind: Service", "kind: Servise", 1),
		"bad name":        strings.Replace(base, "name: s", "name: S_1", 1),
		"missing labels":  strings.Replace(base, "helm.sh/chart: c", "", 1),
		"monitor typo":    "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: m, labels: {app.kubernetes.io/name: x, app.kubernetes.io/instance: i, app.kubernetes.io/managed-by: Helm, helm.sh/chart: c}}\nspec:\n  selector: {matchLabels: {a: b}}\n  endpoints: [{port: http, path: /metrics, intervall: 30s}]\n",
		"monitor no port": "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: m, labels: {app.kubernetes.io/name: x, app.kubernetes.io/instance: i, app.kubernetes.io/managed-by: Helm, helm.sh/chart: c}}\nspec:\n  selector: {matchLabels: {a: b}}\n  endpoints: [{path: /metrics}]\n",
	} {
		if _, err := decodeAll(map[string]string{"c/templates/s.yaml": doc}); err == nil {
			t.Errorf("%s: decoded without an error", name)
		}
	}
}

// TestPlainManifests: deploy/kubernetes/handover.yaml decodes strictly too, and its Deployment
// keeps the same guarantees (probes, non-root, read-only root, selectors).
func TestPlainManifests(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "kubernetes", "handover.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := decodeFiles(map[string]string{"kubernetes/handover.yaml": string(b)}, false)
	if err != nil {
		t.Fatal(err)
	}
	d := r.Deployments["handover"]
	if d == nil {
		t.Fatalf("no Deployment handover: %v", r.kinds())
	}
	pod := d.Spec.Template
	c := container(t, pod.Spec.Containers, "handover")
	checkProbe(t, "liveness", c.LivenessProbe, "/healthz")
	checkProbe(t, "readiness", c.ReadinessProbe, "/readyz")
	checkPodSecurity(t, pod.Spec.SecurityContext)
	if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("container securityContext %+v", c.SecurityContext)
	}
	for name, sel := range map[string]map[string]string{"Service": r.Services["handover"].Spec.Selector,
		"PDB": r.PDBs["handover"].Spec.Selector.MatchLabels, "Deployment": d.Spec.Selector.MatchLabels} {
		if !labels.SelectorFromSet(sel).Matches(labels.Set(pod.Labels)) {
			t.Errorf("%s selector %v does not match the pods %v", name, sel, pod.Labels)
		}
	}
	checkConfigMap(t, r.ConfigMaps["handover"])
}
