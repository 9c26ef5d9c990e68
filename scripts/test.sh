#!/usr/bin/env bash
# The whole test suite: formatting, vet, every test with the race detector.
# README.md and .ci/run both call exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

. scripts/redis.sh
. scripts/chromium.sh

export HANDOVER_FAULT_REPORT=$(mktemp)

echo "== go test -race"
# Every package with the race detector, e2e's conformance kit and fault suite (all helpdesks,
# SIGKILLed processes, faults at a rate, two replicas) included.
set +e
go test -race -count=1 -timeout 9m ./... 2>&1 | tee /tmp/handover-test.log
status=${PIPESTATUS[0]}
set -e

echo "== fault suite counts"
cat "$HANDOVER_FAULT_REPORT"

# A short fuzz run of every fuzz target (webhook parsers, signature checks),
# seeded with the golden payloads in each package's testdata.
if [ "$status" = 0 ] && [ "${HANDOVER_SKIP_FUZZ:-}" != 1 ]; then
	echo "== fuzz (${HANDOVER_FUZZTIME:-4s} per target)"
	for file in $(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do
		pkg="./$(dirname "${file#./}")"
		for target in $(grep -h '^func Fuzz' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/'); do
			echo "-- $pkg $target"
			ok=0
			for attempt in 1 2; do
				if go test -run '^$' -fuzz "^${target}\$" -fuzztime "${HANDOVER_FUZZTIME:-4s}" "$pkg" >/tmp/handover-fuzz.log 2>&1; then
					ok=1; break
				fi
				# The fuzzer itself sometimes stops with "context deadline exceeded"
				# when -fuzztime ends mid-minimisation (golang/go#48127); only a
				# real finding (a failing input) counts.
				grep -q 'context deadline exceeded' /tmp/handover-fuzz.log || break
			done
			if [ "$ok" != 1 ]; then
				cat /tmp/handover-fuzz.log; echo "FAIL fuzz $pkg $target"; status=1
			fi
		done
	done
fi
echo "== helm chart"
# The Helm chart rendered with Helm's library and decoded into the Kubernetes API types, the
# Prometheus rules, the Grafana dashboard and the Dockerfile, each checked against the source
# (metrics, HANDOVER_* variables). A module of its own, so the main module needs neither Helm
# nor Prometheus; its packages count in the summary below.
set +e
(cd deploy/helm/charttest && go test -count=1 ./...) 2>&1 | tee -a /tmp/handover-test.log
chart_status=${PIPESTATUS[0]}
set -e
[ "$chart_status" = 0 ] || status=1
if command -v helm >/dev/null 2>&1; then
	echo "-- helm lint"
	helm lint --strict deploy/helm/handover || status=1
	helm lint --strict deploy/helm/handover --set replicaCount=3,redis.enabled=true,serviceMonitor.enabled=true || status=1
fi
passed=$(grep -c '^ok ' /tmp/handover-test.log || true)
failed=$(grep -c '^FAIL' /tmp/handover-test.log || true)
echo "packages: ${passed} passed, ${failed} failed"
exit "$status"
