package charttest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	chartcommon "helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	chartv2util "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

const fullname = releaseNam + "-handover"

// The value sets every structural check runs on.
func valueSets() map[string]map[string]any {
	return map[string]map[string]any{
		"defaults": nil,
		"existingSecret": {
			"existingSecret": "handover-secrets",
			"publicURL":      "https://handover.example.com/",
			"chatwoot":       map[string]any{"url": "https://chatwoot.example.com", "accountId": 1},
			"config": map[string]any{"llmProvider": "openai", "llmModel": "gpt-4o-mini", "requiredAnswers": 0,
				"humanRequestInChat": false, "llmMaxConcurrency": 1000000, "shutdownGrace": "20s"},
			"secretEnv": map[string]any{"HANDOVER_LLM_API_KEY": map[string]any{"name": "openai", "key": "api-key"}},
		},
		"replicas3Redis": {
			"replicaCount": 3,
			"redis":        map[string]any{"enabled": true},
			"helpdesk":     "zendesk",
			"zendesk":      map[string]any{"subdomain": "acme", "appId": "app", "keyId": "key", "integrationId": "int", "email": "bot@example.com"},
			"secrets": map[string]any{"HANDOVER_ZENDESK_KEY_SECRET": "k", "HANDOVER_ZENDESK_WEBHOOK_SECRET": "w",
				"HANDOVER_ZENDESK_API_TOKEN": "t", "HANDOVER_LLM_API_KEY": "sk"},
		},
		"hpa": {
			"autoscaling": map[string]any{"enabled": true, "minReplicas": 2, "maxReplicas": 6},
			"redis":       map[string]any{"url": "rediss://:pw@redis.example.com:6380/0"},
			"helpdesk":    "liveagent",
			"liveagent":   map[string]any{"url": "https://acme.ladesk.com", "botAgentId": "bot1", "rateLimit": 120},
		},
		"serviceMonitor": {
			"serviceMonitor": map[string]any{"enabled": true, "labels": map[string]any{"release": "kube-prometheus-stack"}},
			"metrics":        map[string]any{"podAnnotations": false},
		},
		"ingressKnowledge": {
			"helpdesk":                      "intercom",
			"intercom":                      map[string]any{"botAdminId": "42", "teamId": "7"},
			"ingress":                       map[string]any{"enabled": true, "className": "nginx", "tls": []any{map[string]any{"secretName": "tls", "hosts": []any{"bot.example.com"}}}, "hosts": []any{map[string]any{"host": "bot.example.com", "paths": []any{map[string]any{"path": "/webhooks", "pathType": "Prefix"}, map[string]any{"path": "/agent", "pathType": "Prefix"}}}}},
			"knowledge":                     map[string]any{"files": map[string]any{"shipping.md": "# Shipping\nTwo days.\n"}},
			"systemPrompt":                  "You are {{.BotName}}.",
			"redis":                         map[string]any{"existingSecret": "redis-url", "existingSecretKey": "url"},
			"autoscaling":                   map[string]any{"enabled": true, "minReplicas": 2, "maxReplicas": 4},
			"podDisruptionBudget":           map[string]any{"minAvailable": 1, "maxUnavailable": ""},
			"terminationGracePeriodSeconds": 45,
		},
	}
}

func TestChartRendersValidObjects(t *testing.T) {
	for name, values := range valueSets() {
		t.Run(name, func(t *testing.T) {
			r := render(t, values)
			t.Logf("objects: %v", r.kinds())
			checkRelease(t, r, values)
		})
	}
}

// checkRelease asserts what must hold for any value set.
func checkRelease(t *testing.T, r *Rendered, values map[string]any) {
	t.Helper()
	d := r.Deployments[fullname]
	if d == nil {
		t.Fatalf("no Deployment %s; objects %v", fullname, r.kinds())
	}
	pod := d.Spec.Template
	podLabels := labels.Set(pod.Labels)

	// The Deployment selects its own pods, and only them.
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || !sel.Matches(podLabels) {
		t.Errorf("deployment selector %v does not match its pod labels %v (%v)", d.Spec.Selector, pod.Labels, err)
	}
	if err := checkLabels(pod.Labels); err != nil {
		t.Error(err)
	}

	// Probes, security, resources.
	c := container(t, pod.Spec.Containers, "handover")
	if c.Image != "handover:0.1.0" {
		t.Errorf("image %q, want handover:0.1.0 (repository + appVersion)", c.Image)
	}
	if !slices.Equal(c.Args, []string{"serve"}) {
		t.Errorf("args %v", c.Args)
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("ports %+v, want http 8080", c.Ports)
	}
	checkProbe(t, "liveness", c.LivenessProbe, "/healthz")
	checkProbe(t, "readiness", c.ReadinessProbe, "/readyz")
	checkPodSecurity(t, pod.Spec.SecurityContext)
	for _, cc := range append(slices.Clone(pod.Spec.InitContainers), pod.Spec.Containers...) {
		checkContainerSecurity(t, cc)
		if cc.Resources.Limits.Memory().IsZero() {
			t.Errorf("container %s: no memory limit", cc.Name)
		}
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().Cmp(mustQuantity("128Mi")) < 0 {
		t.Errorf("requests %v: want cpu and at least 128Mi", c.Resources.Requests)
	}
	if pod.Spec.AutomountServiceAccountToken == nil || *pod.Spec.AutomountServiceAccountToken {
		t.Error("the pod mounts a service account token; handover never calls the API")
	}
	grace := time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	if grace <= 20*time.Second {
		t.Errorf("terminationGracePeriodSeconds %v must exceed HANDOVER_SHUTDOWN_GRACE (20s)", grace)
	}
	for _, k := range []string{"checksum/config", "checksum/secret"} {
		if len(pod.Annotations[k]) != 64 {
			t.Errorf("pod annotation %s = %q", k, pod.Annotations[k])
		}
	}
	if !hasMount(c, "/tmp") {
		t.Error("no writable /tmp with a read-only root file system")
	}

	// Settings and secrets.
	cm := r.ConfigMaps[fullname]
	if cm == nil {
		t.Fatalf("no ConfigMap %s", fullname)
	}
	checkConfigMap(t, cm)
	if !envFromHas(c, func(e corev1.EnvFromSource) bool { return e.ConfigMapRef != nil && e.ConfigMapRef.Name == fullname }) {
		t.Errorf("envFrom %+v does not load the ConfigMap", c.EnvFrom)
	}
	external := externalSecrets(values)
	for _, e := range c.EnvFrom {
		if e.SecretRef != nil {
			if _, ok := r.Secrets[e.SecretRef.Name]; !ok && !external[e.SecretRef.Name] {
				t.Errorf("envFrom secret %s is neither rendered nor named in the values", e.SecretRef.Name)
			}
		}
		if e.ConfigMapRef != nil && r.ConfigMaps[e.ConfigMapRef.Name] == nil {
			t.Errorf("envFrom ConfigMap %s not rendered", e.ConfigMapRef.Name)
		}
	}
	for _, e := range c.Env {
		if errs := validation.IsEnvVarName(e.Name); len(errs) > 0 {
			t.Errorf("env %s: %v", e.Name, errs)
		}
		if ref := secretKeyRef(e); ref != nil {
			if s, ok := r.Secrets[ref.Name]; ok {
				if _, has := s.StringData[ref.Key]; !has {
					t.Errorf("env %s: Secret %s has no key %s", e.Name, ref.Name, ref.Key)
				}
			} else if !external[ref.Name] {
				t.Errorf("env %s: Secret %s is neither rendered nor named in the values", e.Name, ref.Name)
			}
		} else if v, known := sourceVars(t)[e.Name]; known && v.Secret {
			t.Errorf("secret variable %s given as a plain value", e.Name)
		}
	}
	for name, s := range r.Secrets {
		if len(s.Data) > 0 || s.Type != corev1.SecretTypeOpaque {
			t.Errorf("Secret %s: want stringData only, type Opaque", name)
		}
	}
	for _, v := range pod.Spec.Volumes {
		if v.ConfigMap != nil && r.ConfigMaps[v.ConfigMap.Name] == nil && v.ConfigMap.Name != str(values, "knowledge", "existingConfigMap") {
			t.Errorf("volume %s: ConfigMap %s not rendered", v.Name, v.ConfigMap.Name)
		}
	}

	// The Service, PDB, HPA, ServiceMonitor, Ingress and NetworkPolicy point at the right pods.
	svc := r.Services[fullname]
	if svc == nil {
		t.Fatalf("no Service %s", fullname)
	}
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
		t.Errorf("service selector %v does not match pod labels %v", svc.Spec.Selector, pod.Labels)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != intstr.FromString("http") || svc.Spec.Ports[0].Name != "http" {
		t.Errorf("service ports %+v", svc.Spec.Ports)
	}
	redisPods := map[string]labels.Set{}
	for name, dep := range r.Deployments {
		if name != fullname {
			redisPods[name] = dep.Spec.Template.Labels
		}
	}
	for name, other := range redisPods {
		if labels.SelectorFromSet(svc.Spec.Selector).Matches(other) || sel.Matches(other) {
			t.Errorf("handover's selectors match the pods of %s", name)
		}
	}
	if pdb := r.PDBs[fullname]; pdb == nil {
		t.Error("no PodDisruptionBudget")
	} else {
		ps, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || ps.Empty() || !ps.Matches(podLabels) {
			t.Errorf("PDB selector %v does not match pod labels %v (%v)", pdb.Spec.Selector, pod.Labels, err)
		}
		for name, other := range redisPods {
			if ps.Matches(other) {
				t.Errorf("PDB selector matches the pods of %s", name)
			}
		}
		if (pdb.Spec.MinAvailable == nil) == (pdb.Spec.MaxUnavailable == nil) {
			t.Errorf("PDB: want exactly one of minAvailable and maxUnavailable: %+v", pdb.Spec)
		}
	}
	if hpa, ok := r.HPAs[fullname]; ok {
		ref := hpa.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || ref.Name != d.Name || ref.APIVersion != "apps/v1" {
			t.Errorf("HPA targets %+v", ref)
		}
		if d.Spec.Replicas != nil {
			t.Error("the Deployment sets replicas while the HPA owns them")
		}
	}
	if sm, ok := r.ServiceMonitors[fullname]; ok {
		ss, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
		if err != nil || !ss.Matches(labels.Set(svc.Labels)) {
			t.Errorf("ServiceMonitor selector %v does not match the Service's labels %v", sm.Spec.Selector, svc.Labels)
		}
		if ep := sm.Spec.Endpoints[0]; ep.Port != svc.Spec.Ports[0].Name || ep.Path != "/metrics" {
			t.Errorf("ServiceMonitor endpoint %+v", ep)
		}
		if !slices.Equal(sm.Spec.NamespaceSelector.MatchNames, []string{releaseNS}) {
			t.Errorf("ServiceMonitor namespaces %v", sm.Spec.NamespaceSelector.MatchNames)
		}
	}
	for name, ing := range r.Ingresses {
		for _, rule := range ing.Spec.Rules {
			for _, p := range rule.HTTP.Paths {
				b := p.Backend.Service
				if b == nil || r.Services[b.Name] == nil || b.Port.Name != "http" {
					t.Errorf("Ingress %s path %s: backend %+v", name, p.Path, p.Backend)
				}
				if p.Path != "/webhooks" && p.Path != "/agent" {
					t.Errorf("Ingress %s exposes %s", name, p.Path)
				}
			}
		}
	}
	for name, np := range r.NetworkPolicies {
		target, _ := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if target.Empty() || target.Matches(podLabels) {
			t.Errorf("NetworkPolicy %s selects %v", name, np.Spec.PodSelector)
		}
		from, _ := metav1.LabelSelectorAsSelector(np.Spec.Ingress[0].From[0].PodSelector)
		if !from.Matches(podLabels) {
			t.Errorf("NetworkPolicy %s does not let handover's pods in", name)
		}
	}
	if sa := r.ServiceAccounts[pod.Spec.ServiceAccountName]; sa == nil || sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Errorf("ServiceAccount %q: want rendered with automountServiceAccountToken false", pod.Spec.ServiceAccountName)
	}
}

func TestDefaults(t *testing.T) {
	r := render(t, nil)
	d := r.Deployments[fullname]
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas %v, want 1 (more need Redis)", d.Spec.Replicas)
	}
	if len(r.Deployments) != 1 || len(r.HPAs)+len(r.ServiceMonitors)+len(r.Ingresses)+len(r.Secrets)+len(r.NetworkPolicies) != 0 {
		t.Errorf("defaults render %v; want no HPA, ServiceMonitor, Ingress, Secret or Redis", r.kinds())
	}
	if pdb := r.PDBs[fullname]; pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("PDB %+v: want maxUnavailable 1 (never blocks a drain)", pdb.Spec)
	}
	cm := r.ConfigMaps[fullname].Data
	if cm["HANDOVER_HELPDESK"] != "chatwoot" || cm["HANDOVER_LISTEN_ADDR"] != ":8080" || len(cm) != 2 {
		t.Errorf("ConfigMap %v: want only HANDOVER_HELPDESK and HANDOVER_LISTEN_ADDR", cm)
	}
	c := container(t, d.Spec.Template.Spec.Containers, "handover")
	if len(c.EnvFrom) != 1 || len(c.Env) != 0 {
		t.Errorf("envFrom %+v env %+v: want the ConfigMap only", c.EnvFrom, c.Env)
	}
	if d.Spec.Template.Annotations["prometheus.io/scrape"] != "true" || d.Spec.Template.Annotations["prometheus.io/port"] != "8080" {
		t.Errorf("scrape annotations %v", d.Spec.Template.Annotations)
	}
	if !strings.Contains(r.Notes, "<public URL>/webhooks/chatwoot") || !strings.Contains(r.Notes, "WARNING: no value for HANDOVER_CHATWOOT_BOT_TOKEN") {
		t.Errorf("NOTES:\n%s", r.Notes)
	}
}

func TestExistingSecret(t *testing.T) {
	values := valueSets()["existingSecret"]
	r := render(t, values)
	if len(r.Secrets) != 0 {
		t.Errorf("the chart created Secrets %v next to existingSecret", sortedKeys(r.Secrets))
	}
	c := container(t, r.Deployments[fullname].Spec.Template.Spec.Containers, "handover")
	if !envFromHas(c, func(e corev1.EnvFromSource) bool { return e.SecretRef != nil && e.SecretRef.Name == "handover-secrets" }) {
		t.Errorf("envFrom %+v: want secretRef handover-secrets", c.EnvFrom)
	}
	ref := secretKeyRef(env(c, "HANDOVER_LLM_API_KEY"))
	if ref == nil || ref.Name != "openai" || ref.Key != "api-key" {
		t.Errorf("HANDOVER_LLM_API_KEY from %+v, want secretKeyRef openai/api-key", ref)
	}
	want := map[string]string{
		"HANDOVER_HELPDESK": "chatwoot", "HANDOVER_LISTEN_ADDR": ":8080",
		"HANDOVER_PUBLIC_URL": "https://handover.example.com", "HANDOVER_CHATWOOT_URL": "https://chatwoot.example.com",
		"HANDOVER_CHATWOOT_ACCOUNT_ID": "1", "HANDOVER_LLM_PROVIDER": "openai", "HANDOVER_LLM_MODEL": "gpt-4o-mini",
		// 0 and false are values, not "unset"; a large number keeps its digits.
		"HANDOVER_REQUIRED_ANSWERS": "0", "HANDOVER_HUMAN_REQUEST_IN_CHAT": "false", "HANDOVER_LLM_MAX_CONCURRENCY": "1000000",
		"HANDOVER_SHUTDOWN_GRACE": "20s",
	}
	if got := r.ConfigMaps[fullname].Data; !mapsEqual(got, want) {
		t.Errorf("ConfigMap\n got %v\nwant %v", got, want)
	}
	for _, s := range []string{"https://handover.example.com/webhooks/chatwoot", "Secrets come from the Secret handover-secrets",
		"HANDOVER_CHATWOOT_BOT_TOKEN, HANDOVER_CHATWOOT_USER_TOKEN, HANDOVER_CHATWOOT_WEBHOOK_SECRET"} {
		if !strings.Contains(r.Notes, s) {
			t.Errorf("NOTES lack %q:\n%s", s, r.Notes)
		}
	}
	if strings.Contains(r.Notes, "WARNING") {
		t.Errorf("NOTES warn with existingSecret:\n%s", r.Notes)
	}
}

func TestReplicasWithRedis(t *testing.T) {
	r := render(t, valueSets()["replicas3Redis"])
	d := r.Deployments[fullname]
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("replicas %v, want 3", d.Spec.Replicas)
	}
	redisName := fullname + "-redis"
	rd, rs, rsec := r.Deployments[redisName], r.Services[redisName], r.Secrets[redisName]
	if rd == nil || rs == nil || rsec == nil || r.NetworkPolicies[redisName] == nil {
		t.Fatalf("in-chart Redis incomplete: %v", r.kinds())
	}
	// handover reads HANDOVER_REDIS_URL from the Redis Secret, which points at the Redis Service.
	ref := secretKeyRef(env(container(t, d.Spec.Template.Spec.Containers, "handover"), "HANDOVER_REDIS_URL"))
	if ref == nil || ref.Name != redisName || ref.Key != "url" {
		t.Fatalf("HANDOVER_REDIS_URL from %+v", ref)
	}
	pw := rsec.StringData["password"]
	if len(pw) < 32 || rsec.StringData["url"] != fmt.Sprintf("redis://:%s@%s:6379/0", pw, redisName) {
		t.Errorf("Redis Secret %v", rsec.StringData)
	}
	if !labels.SelectorFromSet(rs.Spec.Selector).Matches(labels.Set(rd.Spec.Template.Labels)) || rs.Spec.Ports[0].Port != 6379 {
		t.Errorf("Redis Service %+v does not reach the Redis pods %v", rs.Spec, rd.Spec.Template.Labels)
	}
	if labels.SelectorFromSet(rs.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Error("the Redis Service selects handover's pods")
	}
	redis := container(t, rd.Spec.Template.Spec.Containers, "redis")
	if !slices.Contains(redis.Args, "$(REDIS_PASSWORD)") || secretKeyRef(env(redis, "REDIS_PASSWORD")) == nil {
		t.Errorf("Redis runs without the password: %v", redis.Args)
	}
	checkPodSecurity(t, rd.Spec.Template.Spec.SecurityContext)
	if redis.ReadinessProbe == nil || redis.LivenessProbe == nil || !hasMount(redis, "/data") {
		t.Error("Redis without probes or /data")
	}
	if inits := d.Spec.Template.Spec.InitContainers; len(inits) != 1 || inits[0].Name != "wait-for-redis" {
		t.Errorf("init containers %+v", inits)
	}
	if cm := r.ConfigMaps[fullname].Data; cm["HANDOVER_HELPDESK"] != "zendesk" || cm["HANDOVER_ZENDESK_SUBDOMAIN"] != "acme" {
		t.Errorf("ConfigMap %v", cm)
	}
	if s := r.Secrets[fullname]; s == nil || len(s.StringData) != 4 || s.StringData["HANDOVER_ZENDESK_API_TOKEN"] != "t" {
		t.Errorf("chart Secret %+v", s)
	}
	if !strings.Contains(r.Notes, "<public URL>/webhooks/zendesk") || strings.Contains(r.Notes, "WARNING") {
		t.Errorf("NOTES:\n%s", r.Notes)
	}
}

func TestAutoscaling(t *testing.T) {
	r := render(t, valueSets()["hpa"])
	hpa := r.HPAs[fullname]
	if hpa == nil {
		t.Fatal("no HPA")
	}
	if *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != 6 || len(hpa.Spec.Metrics) != 1 {
		t.Errorf("HPA spec %+v", hpa.Spec)
	}
	m := hpa.Spec.Metrics[0]
	if m.Resource == nil || m.Resource.Name != corev1.ResourceCPU || *m.Resource.Target.AverageUtilization != 70 {
		t.Errorf("HPA metric %+v", m)
	}
	if r.Secrets[fullname+"-redis"].StringData["url"] != "rediss://:pw@redis.example.com:6380/0" || r.Deployments[fullname+"-redis"] != nil {
		t.Errorf("external Redis: want its URL in the Redis Secret and no Redis Deployment: %v", r.kinds())
	}
	cm := r.ConfigMaps[fullname].Data
	if cm["HANDOVER_LIVEAGENT_RATE_LIMIT"] != "120" || cm["HANDOVER_LIVEAGENT_BOT_AGENT_ID"] != "bot1" {
		t.Errorf("ConfigMap %v", cm)
	}
	if !strings.Contains(r.Notes, "<public URL>/webhooks/liveagent/<HANDOVER_LIVEAGENT_WEBHOOK_SECRET>") || !strings.Contains(r.Notes, "liveagent rules") {
		t.Errorf("NOTES:\n%s", r.Notes)
	}
}

func TestServiceMonitor(t *testing.T) {
	r := render(t, valueSets()["serviceMonitor"])
	sm := r.ServiceMonitors[fullname]
	if sm == nil {
		t.Fatalf("no ServiceMonitor: %v", r.kinds())
	}
	if sm.Labels["release"] != "kube-prometheus-stack" || sm.Spec.Endpoints[0].Interval != "30s" {
		t.Errorf("ServiceMonitor %+v", sm)
	}
	if _, ok := r.Deployments[fullname].Spec.Template.Annotations["prometheus.io/scrape"]; ok {
		t.Error("scrape annotations with metrics.podAnnotations=false")
	}
}

func TestIngressKnowledgePrompt(t *testing.T) {
	r := render(t, valueSets()["ingressKnowledge"])
	ing := r.Ingresses[fullname]
	if ing == nil || *ing.Spec.IngressClassName != "nginx" || len(ing.Spec.TLS) != 1 || ing.Spec.Rules[0].Host != "bot.example.com" {
		t.Fatalf("Ingress %+v", ing)
	}
	cm := r.ConfigMaps[fullname].Data
	if cm["HANDOVER_PUBLIC_URL"] != "https://bot.example.com" {
		t.Errorf("HANDOVER_PUBLIC_URL %q, want the TLS ingress host", cm["HANDOVER_PUBLIC_URL"])
	}
	if cm["HANDOVER_KNOWLEDGE_DIR"] != "/etc/handover/knowledge" || cm["HANDOVER_SYSTEM_PROMPT_FILE"] != "/etc/handover/prompt/system-prompt.tmpl" {
		t.Errorf("ConfigMap %v", cm)
	}
	if k := r.ConfigMaps[fullname+"-knowledge"]; k == nil || k.Data["shipping.md"] != "# Shipping\nTwo days.\n" {
		t.Errorf("knowledge ConfigMap %+v", k)
	}
	if p := r.ConfigMaps[fullname+"-prompt"]; p == nil || p.Data["system-prompt.tmpl"] != "You are {{.BotName}}." {
		t.Errorf("prompt ConfigMap %+v", p)
	}
	c := container(t, r.Deployments[fullname].Spec.Template.Spec.Containers, "handover")
	if !hasMount(c, "/etc/handover/knowledge") || !hasMount(c, "/etc/handover/prompt") {
		t.Errorf("mounts %+v", c.VolumeMounts)
	}
	if ref := secretKeyRef(env(c, "HANDOVER_REDIS_URL")); ref == nil || ref.Name != "redis-url" || ref.Key != "url" {
		t.Errorf("HANDOVER_REDIS_URL from %+v", ref)
	}
	if pdb := r.PDBs[fullname]; pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 {
		t.Errorf("PDB %+v", pdb.Spec)
	}
	if !strings.Contains(r.Notes, "https://bot.example.com/webhooks/intercom") {
		t.Errorf("NOTES:\n%s", r.Notes)
	}
}

// TestNotesWebhookURL: NOTES.txt names the webhook URL of each helpdesk.
func TestNotesWebhookURL(t *testing.T) {
	for hd, want := range map[string]string{
		"chatwoot":  "https://h.example.com/webhooks/chatwoot",
		"intercom":  "https://h.example.com/webhooks/intercom",
		"libredesk": "https://h.example.com/webhooks/libredesk",
		"liveagent": "https://h.example.com/webhooks/liveagent/<HANDOVER_LIVEAGENT_WEBHOOK_SECRET>",
		"zendesk":   "https://h.example.com/webhooks/zendesk",
	} {
		r := render(t, map[string]any{"helpdesk": hd, "publicURL": "https://h.example.com"})
		if !strings.Contains(r.Notes, "\n  "+want+"\n") {
			t.Errorf("%s: NOTES lack %s:\n%s", hd, want, r.Notes)
		}
		if strings.Contains(r.Notes, "publicURL is empty") {
			t.Errorf("%s: NOTES say publicURL is empty", hd)
		}
	}
}

// TestRefused: values that cannot work fail the install with a message saying why.
func TestRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		values map[string]any
		want   string
	}{
		"replicas without redis": {map[string]any{"replicaCount": 3}, "3 replicas need Redis"},
		"hpa without redis":      {map[string]any{"autoscaling": map[string]any{"enabled": true, "maxReplicas": 4}}, "4 replicas need Redis"},
		"two redis sources": {map[string]any{"redis": map[string]any{"enabled": true, "url": "redis://r:6379"}},
			"set only one of redis.enabled, redis.url and redis.existingSecret"},
		"hpa without cpu request": {map[string]any{"autoscaling": map[string]any{"enabled": true}, "redis": map[string]any{"enabled": true},
			"resources": map[string]any{"requests": nil}}, "autoscaling on CPU needs resources.requests.cpu"},
		"knowledge twice": {map[string]any{"knowledge": map[string]any{"files": map[string]any{"a.md": "x"}}, "config": map[string]any{"knowledgeDir": "/k"}},
			"knowledge: use knowledge.files/existingConfigMap or config.knowledgeDir"},
		"pdb both": {map[string]any{"podDisruptionBudget": map[string]any{"minAvailable": 1, "maxUnavailable": 1}}, "set minAvailable or maxUnavailable"},
		// values.schema.json
		"unknown helpdesk":         {map[string]any{"helpdesk": "freshdesk"}, "helpdesk"},
		"secret in config":         {map[string]any{"config": map[string]any{"llmApiKey": "sk-x"}}, "llmApiKey"},
		"secret in helpdesk block": {map[string]any{"chatwoot": map[string]any{"botToken": "x"}}, "botToken"},
		"misspelt setting":         {map[string]any{"config": map[string]any{"llmModle": "x"}}, "llmModle"},
		"misspelt top-level":       {map[string]any{"replicas": 3}, "replicas"},
		"secret name":              {map[string]any{"secrets": map[string]any{"llm_api_key": "x"}}, "llm_api_key"},
		"secretEnv without key":    {map[string]any{"secretEnv": map[string]any{"HANDOVER_LLM_API_KEY": map[string]any{"name": "s"}}}, "key"},
		"redis password not URL-safe": {map[string]any{"redis": map[string]any{"enabled": true, "password": "p@ss/word"}},
			"redis"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := renderRaw(t, loadChart(t), tc.values)
			if err == nil {
				t.Fatalf("rendered; want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// TestGuardsWithoutSchema: with --skip-schema-validation the templates themselves still refuse an
// unknown helpdesk and a secret variable in the ConfigMap.
func TestGuardsWithoutSchema(t *testing.T) {
	c := loadChart(t)
	opts := chartcommon.ReleaseOptions{Name: releaseNam, Namespace: releaseNS, IsInstall: true}
	for want, values := range map[string]map[string]any{
		"HANDOVER_LLM_API_KEY is a secret":        {"config": map[string]any{"llmApiKey": "sk-x"}},
		"HANDOVER_CHATWOOT_BOT_TOKEN is a secret": {"chatwoot": map[string]any{"botToken": "x"}},
		`helpdesk "freshdesk": choose one of`:     {"helpdesk": "freshdesk"},
	} {
		rv, err := chartutil.ToRenderValuesWithSchemaValidation(c, values, opts, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		_, err = engine.Engine{Strict: true}.Render(c, rv)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err %v, want %s", err, want)
		}
	}
}

// TestSettingsMatchTheService: every setting the chart offers (values.yaml, values.schema.json)
// becomes a HANDOVER_* variable the service declares, never a secret one, and every non-secret
// variable of the service can be set; the chart's list of secret variables is the service's.
func TestSettingsMatchTheService(t *testing.T) {
	vars := sourceVars(t)
	c := loadChart(t)
	schema := readSchema(t)
	helpdesks := helpdeskNames(t, vars)
	if got := schemaEnum(schema, "helpdesk"); !slices.Equal(got, helpdesks) {
		t.Errorf("schema helpdesk enum %v, the service's helpdesks %v", got, helpdesks)
	}

	configKeys := sortedKeys(c.Values["config"].(map[string]any))
	if got := schemaKeys(schema, "config"); !slices.Equal(got, configKeys) {
		t.Errorf("schema config keys %v\nvalues.yaml config keys %v", got, configKeys)
	}
	covered := map[string]bool{}
	for _, hd := range helpdesks {
		block, ok := c.Values[hd].(map[string]any)
		if !ok {
			t.Errorf("values.yaml has no %s block", hd)
			continue
		}
		keys := sortedKeys(block)
		if got := schemaKeys(schema, hd); !slices.Equal(got, keys) {
			t.Errorf("schema %s keys %v\nvalues.yaml %s keys %v", hd, got, hd, keys)
		}
		all := func(keys []string) map[string]any {
			m := map[string]any{}
			for _, k := range keys {
				m[k] = "x"
			}
			return m
		}
		values := map[string]any{"helpdesk": hd, "publicURL": "https://h.example.com", "config": all(configKeys), hd: all(keys)}
		values["config"].(map[string]any)["knowledgeDir"] = "/k"
		files, err := renderRaw(t, c, values)
		if err != nil {
			t.Fatalf("%s with every setting: %v", hd, err)
		}
		r, err := decodeAll(files)
		if err != nil {
			t.Fatal(err)
		}
		data := r.ConfigMaps[fullname].Data
		if want := 3 + len(configKeys) + len(keys); len(data) != want {
			t.Errorf("%s: %d variables from %d settings: %v", hd, len(data), want, sortedKeys(data))
		}
		for name := range data {
			v, known := vars[name]
			switch {
			case !known:
				t.Errorf("%s: the chart sets %s, which the service does not read", hd, name)
			case v.Secret:
				t.Errorf("%s: secret %s in the ConfigMap", hd, name)
			case strings.HasPrefix(name, "HANDOVER_"+strings.ToUpper(hd)+"_") || helpdeskOf(name, helpdesks) == "":
				covered[name] = true
			default:
				t.Errorf("%s: %s belongs to another helpdesk", hd, name)
			}
		}
	}
	for _, name := range sortedKeys(vars) {
		if !vars[name].Secret && !covered[name] {
			t.Errorf("the service's %s cannot be set through the chart", name)
		}
	}

	// The chart's secretVars helper against the service's Secret-typed settings.
	c.Templates = append(c.Templates, &chartcommon.File{Name: "templates/zz-secretvars.txt", Data: []byte(`{{ include "handover.secretVars" . }}`)})
	files, err := renderRaw(t, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	var chartSecrets map[string][]string
	if err := json.Unmarshal([]byte(files["handover/templates/zz-secretvars.txt"]), &chartSecrets); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for _, name := range sortedKeys(vars) {
		if vars[name].Secret {
			group := helpdeskOf(name, helpdesks)
			if group == "" {
				group = "general"
			}
			want[group] = append(want[group], name)
		}
	}
	for group, names := range chartSecrets {
		slices.Sort(names)
		if !slices.Equal(names, want[group]) {
			t.Errorf("secretVars %s: chart %v, service %v", group, names, want[group])
		}
	}
	if len(chartSecrets) != len(want) {
		t.Errorf("secretVars groups %v, service %v", sortedKeys(chartSecrets), sortedKeys(want))
	}
}

// TestLint runs helm lint's rules (chart file, values against the schema, every template
// rendered and its YAML parsed, deprecated APIs) in process for several value sets.
func TestLint(t *testing.T) {
	for name, values := range valueSets() {
		t.Run(name, func(t *testing.T) {
			l := lint.RunAll(chartDir, values, releaseNS)
			for _, m := range l.Messages {
				if m.Severity >= support.WarningSev {
					t.Error(m.Error())
				} else {
					t.Log(m.Error())
				}
			}
		})
	}
}

// helpdeskNames are the helpdesks of the service: the adapters that declare settings.
func helpdeskNames(t *testing.T, vars map[string]Var) []string {
	t.Helper()
	set := map[string]bool{}
	for _, v := range vars {
		rel, _ := filepath.Rel(repoRoot, v.File)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) == 3 && parts[0] == "adapters" {
			set[parts[1]] = true
		}
	}
	names := sortedKeys(set)
	if len(names) < 5 {
		t.Fatalf("helpdesks %v", names)
	}
	return names
}

func helpdeskOf(name string, helpdesks []string) string {
	for _, hd := range helpdesks {
		if strings.HasPrefix(name, "HANDOVER_"+strings.ToUpper(hd)+"_") {
			return hd
		}
	}
	return ""
}

func readSchema(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("values.schema.json: %v", err)
	}
	return s
}

func schemaProp(s map[string]any, key string) map[string]any {
	p, _ := s["properties"].(map[string]any)[key].(map[string]any)
	return p
}

func schemaKeys(s map[string]any, key string) []string {
	props, _ := schemaProp(s, key)["properties"].(map[string]any)
	return sortedKeys(props)
}

func schemaEnum(s map[string]any, key string) []string {
	var out []string
	for _, v := range schemaProp(s, key)["enum"].([]any) {
		out = append(out, v.(string))
	}
	slices.Sort(out)
	return out
}

func container(t *testing.T, cs []corev1.Container, name string) corev1.Container {
	t.Helper()
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no container %s", name)
	return corev1.Container{}
}

func checkProbe(t *testing.T, kind string, p *corev1.Probe, path string) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s probe %+v: want httpGet %s", kind, p, path)
		return
	}
	if p.HTTPGet.Path != path || p.HTTPGet.Port != intstr.FromString("http") {
		t.Errorf("%s probe httpGet %+v: want %s on port http", kind, p.HTTPGet, path)
	}
	if p.PeriodSeconds <= 0 || p.TimeoutSeconds < 0 || p.FailureThreshold < 0 {
		t.Errorf("%s probe timing %+v", kind, p)
	}
}

func checkPodSecurity(t *testing.T, sc *corev1.PodSecurityContext) {
	t.Helper()
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("pod securityContext %+v: want runAsNonRoot and a non-zero runAsUser", sc)
		return
	}
	if sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod seccompProfile %+v", sc.SeccompProfile)
	}
}

func checkContainerSecurity(t *testing.T, c corev1.Container) {
	t.Helper()
	sc := c.SecurityContext
	if sc == nil {
		t.Errorf("container %s: no securityContext", c.Name)
		return
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("container %s: root file system not read-only", c.Name)
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container %s: privilege escalation allowed", c.Name)
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Errorf("container %s: privileged", c.Name)
	}
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("container %s: runAsNonRoot not set", c.Name)
	}
	if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
		t.Errorf("container %s: capabilities %+v, want drop [ALL]", c.Name, sc.Capabilities)
	}
}

// checkConfigMap: every key is a variable of the service, and none a secret.
func checkConfigMap(t *testing.T, cm *corev1.ConfigMap) {
	t.Helper()
	vars := sourceVars(t)
	for k := range cm.Data {
		v, ok := vars[k]
		if !ok {
			t.Errorf("ConfigMap sets %s, which the service does not read", k)
		} else if v.Secret {
			t.Errorf("ConfigMap holds the secret %s", k)
		}
	}
}

func externalSecrets(values map[string]any) map[string]bool {
	out := map[string]bool{}
	if s := str(values, "existingSecret"); s != "" {
		out[s] = true
	}
	if s := str(values, "redis", "existingSecret"); s != "" {
		out[s] = true
	}
	if se, ok := values["secretEnv"].(map[string]any); ok {
		for _, ref := range se {
			out[ref.(map[string]any)["name"].(string)] = true
		}
	}
	return out
}

// str digs a string out of nested values ("" when absent).
func str(values map[string]any, keys ...string) string {
	var cur any = values
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[k]
	}
	s, _ := cur.(string)
	return s
}

func envFromHas(c corev1.Container, f func(corev1.EnvFromSource) bool) bool {
	return slices.ContainsFunc(c.EnvFrom, f)
}

func env(c corev1.Container, name string) corev1.EnvVar {
	for _, e := range c.Env {
		if e.Name == name {
			return e
		}
	}
	return corev1.EnvVar{}
}

func secretKeyRef(e corev1.EnvVar) *corev1.SecretKeySelector {
	if e.ValueFrom == nil {
		return nil
	}
	return e.ValueFrom.SecretKeyRef
}

func hasMount(c corev1.Container, path string) bool {
	return slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == path })
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }

// TestIngressMinimal: an Ingress entry may leave out the host and the pathType (strict rendering
// still passes); a host without TLS makes an http:// public URL.
func TestIngressMinimal(t *testing.T) {
	r := render(t, map[string]any{"ingress": map[string]any{"enabled": true,
		"hosts": []any{map[string]any{"paths": []any{map[string]any{"path": "/webhooks"}}}}}})
	rule := r.Ingresses[fullname].Spec.Rules[0]
	if rule.Host != "" || *rule.HTTP.Paths[0].PathType != "Prefix" {
		t.Errorf("rule %+v", rule)
	}
	if _, ok := r.ConfigMaps[fullname].Data["HANDOVER_PUBLIC_URL"]; ok || !strings.Contains(r.Notes, "publicURL is empty") {
		t.Errorf("a host-less Ingress gave a public URL; NOTES:\n%s", r.Notes)
	}
	r = render(t, map[string]any{"ingress": map[string]any{"enabled": true,
		"hosts": []any{map[string]any{"host": "h.example.com", "paths": []any{map[string]any{"path": "/webhooks"}}}}}})
	if got := r.ConfigMaps[fullname].Data["HANDOVER_PUBLIC_URL"]; got != "http://h.example.com" {
		t.Errorf("HANDOVER_PUBLIC_URL %q", got)
	}
}

// TestKubeVersion: the chart installs on the Kubernetes versions whose APIs it uses
// (autoscaling/v2, policy/v1: 1.23) up to the one Helm's client libraries speak, and not below.
func TestKubeVersion(t *testing.T) {
	c := loadChart(t)
	for v, want := range map[string]bool{"v1.22.9": false, "v1.23.0": true, "v1.30.2-eks-1234": true, "v1.37.0": true} {
		if got := chartv2util.IsCompatibleRange(c.Metadata.KubeVersion, v); got != want {
			t.Errorf("kubeVersion %q with %s: %v, want %v", c.Metadata.KubeVersion, v, got, want)
		}
	}
}
