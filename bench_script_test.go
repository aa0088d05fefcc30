package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// scripts/bench.sh on a machine without hyperfine, or asked for a row it
// does not have, says so and exits before building or generating anything.
func TestBenchScriptRefusesEarly(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	// A PATH with only what the script needs before its checks: no
	// hyperfine, no go.
	bare := t.TempDir()
	for _, tool := range []string{"dirname", "mktemp", "rm"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s is not installed", tool)
		}
		if err := os.Symlink(p, filepath.Join(bare, tool)); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name, path, rows string
		code             int
		stderr           string
	}{
		{"no hyperfine", bare, "", 3, "bench.sh: hyperfine is not installed (apt-get install -y hyperfine)"},
		{"unknown row", os.Getenv("PATH"), "3 5", 2, "bench.sh: BENCH_ROWS: no row 5 (rows are 1 2 3 4)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.code == 2 {
				for _, tool := range []string{"hyperfine", "go"} {
					if _, err := exec.LookPath(tool); err != nil {
						t.Skipf("%s is not installed: the script stops before reading BENCH_ROWS", tool)
					}
				}
			}
			cmd := exec.Command(bash, "scripts/bench.sh")
			cmd.Env = []string{"PATH=" + c.path, "BENCH_ROWS=" + c.rows, "HOME=" + t.TempDir()}
			out, err := cmd.CombinedOutput()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != c.code {
				t.Fatalf("exit %v, want %d; output:\n%s", err, c.code, out)
			}
			if strings.TrimSpace(string(out)) != c.stderr {
				t.Fatalf("output %q, want %q", out, c.stderr)
			}
		})
	}
}
