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

echo "== go test -race"
go test -race -count=1 -timeout 8m ./... 2>&1 | tee /tmp/handover-test.log
status=${PIPESTATUS[0]}
passed=$(grep -c '^ok ' /tmp/handover-test.log || true)
failed=$(grep -c '^FAIL' /tmp/handover-test.log || true)
echo "packages: ${passed} passed, ${failed} failed"
exit "$status"
