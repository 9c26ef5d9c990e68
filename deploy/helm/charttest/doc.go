// Package charttest holds the checks of deploy/: the Helm chart (deploy/helm/handover) rendered
// with Helm's own library and decoded strictly into the Kubernetes API types, the Prometheus
// rules (deploy/prometheus), the Grafana dashboard (deploy/grafana) and the Dockerfile, each
// against what the service's source declares (its metrics and HANDOVER_* variables). It is a
// module of its own so the main module does not depend on Helm, Kubernetes or Prometheus.
//
//	cd deploy/helm/charttest && go test ./...
package charttest
