package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionString(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}
	for _, c := range []struct {
		name            string
		stamped, commit string
		info            *debug.BuildInfo
		want            string
	}{
		{"release", "v1.2.3", "0123abcd", nil, "v1.2.3 (0123abcd)"},
		{"release without commit", "v1.2.3", "", nil, "v1.2.3"},
		{"go install module@v1.4.0", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{"go install module@master (pseudo-version)", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201120000-0123456789ab"}, Settings: vcs[:1]}, "v0.0.0-20261201120000-0123456789ab"},
		{"go build in a clone", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "devel (0123456789ab-dirty)"},
		{"no build information", "", "", nil, "devel"},
	} {
		if got := versionString(c.stamped, c.commit, c.info); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// The ldflags .goreleaser.yaml sets reach the version command of the real
// binary.
func TestVersionStampedByLdflags(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	data, err := os.ReadFile(".goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-X main.version=v{{.Version}}", "-X main.commit={{.ShortCommit}}"} {
		if !strings.Contains(string(data), want) {
			t.Fatalf(".goreleaser.yaml does not stamp %s", want)
		}
	}
	// Release, Action and install builds leave urfave/cli's docs
	// generation out (see noDocsTag).
	if !strings.Contains(string(data), "-tags="+noDocsTag) {
		t.Fatalf(".goreleaser.yaml does not build with -tags=%s", noDocsTag)
	}
	for file, want := range map[string]string{
		"action.yml": "go build -trimpath -tags " + noDocsTag + " ",
		"README.md":  "CGO_ENABLED=0 go install -tags " + noDocsTag + " github.com/port-gitops/port-gitops@latest",
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not build with %q", file, want)
		}
	}
	bin := filepath.Join(t.TempDir(), "port-gitops")
	build := exec.Command("go", "build", "-tags", noDocsTag, "-o", bin, "-ldflags", "-X main.version=v9.8.7 -X main.commit=abc1234", ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || string(out) != "port-gitops v9.8.7 (abc1234)\n" {
		t.Fatalf("version: %v %q", err, out)
	}
	// The tag really drops the docs modules from the binary (urfave/cli
	// could rename it): go version -m lists every module linked in.
	mods, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	for _, m := range []string{"github.com/russross/blackfriday", "github.com/cpuguy83/go-md2man"} {
		if strings.Contains(string(mods), m) {
			t.Errorf("built with -tags %s, the binary still links %s", noDocsTag, m)
		}
	}
}

// noDocsTag is urfave/cli's build tag that leaves out its man page and
// Markdown generation.
const noDocsTag = "urfave_cli_no_docs"
