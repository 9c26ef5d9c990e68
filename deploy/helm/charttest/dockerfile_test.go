package charttest

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDockerfile: deploy/Dockerfile is multi-stage, builds a static binary (CGO_ENABLED=0), and
// its final stage is minimal (distroless static, or scratch with CA certificates), copies only the
// binary from the build stage and runs as a numeric non-root user (so Kubernetes' runAsNonRoot can
// check it). No Docker here: the file is read as text.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	// Join continuation lines, drop comments.
	text := regexp.MustCompile(`\\\n\s*`).ReplaceAllString(string(b), " ")
	var stages [][]string // instructions of each stage
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(strings.ToUpper(line), "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			if !strings.HasPrefix(strings.ToUpper(line), "ARG ") {
				t.Fatalf("instruction before the first FROM: %s", line)
			}
			continue
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], line)
	}
	if len(stages) < 2 {
		t.Fatalf("%d stage(s); want a build stage and a runtime stage", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]

	from := regexp.MustCompile(`(?i)^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?`)
	bm := from.FindStringSubmatch(build[0])
	if bm == nil || !strings.HasPrefix(bm[1], "golang:") || bm[2] == "" {
		t.Errorf("build stage %q: want FROM golang:... AS <name>", build[0])
	}
	buildText := strings.Join(build, "\n")
	if !regexp.MustCompile(`(?m)^RUN\b.*\bCGO_ENABLED=0\b.*\bgo build\b`).MatchString(buildText) &&
		!(strings.Contains(buildText, "ENV CGO_ENABLED=0") && strings.Contains(buildText, "go build")) {
		t.Error("the go build does not run with CGO_ENABLED=0 (not a static binary)")
	}

	fm := from.FindStringSubmatch(final[0])
	if fm == nil {
		t.Fatalf("final stage %q", final[0])
	}
	finalText := strings.Join(final, "\n")
	switch base := fm[1]; {
	case strings.HasPrefix(base, "gcr.io/distroless/static"):
	case base == "scratch":
		if !strings.Contains(finalText, "ca-certificates") {
			t.Error("FROM scratch without CA certificates: HTTPS to the helpdesk and the LLM fails")
		}
	default:
		t.Errorf("final base %s: want gcr.io/distroless/static* or scratch", base)
	}
	var user string
	for _, ins := range final {
		fields := strings.Fields(ins)
		switch strings.ToUpper(fields[0]) {
		case "COPY":
			if !strings.Contains(ins, "--from="+bm[2]) {
				t.Errorf("final stage copies from the build context: %s", ins)
			}
		case "RUN":
			t.Errorf("final stage runs a command (no shell in a minimal image): %s", ins)
		case "USER":
			user = fields[1]
		}
	}
	uid, err := strconv.Atoi(strings.SplitN(user, ":", 2)[0])
	if err != nil || uid == 0 {
		t.Errorf("USER %q: want a numeric non-root uid", user)
	}
	if !regexp.MustCompile(`(?m)^ENTRYPOINT \["/handover"\]`).MatchString(finalText) || !strings.Contains(finalText, `CMD ["serve"]`) {
		t.Error(`want ENTRYPOINT ["/handover"] and CMD ["serve"]`)
	}
	// The chart runs the image as the same user.
	values, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(values), "runAsUser: "+strconv.Itoa(uid)) {
		t.Errorf("values.yaml podSecurityContext.runAsUser is not the image's uid %d", uid)
	}
}
