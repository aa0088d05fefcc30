package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A pull request's plan: compared with the merge base of the target branch
// (not with main's newer commits) and with Port's entities, validated by
// Port, as a Markdown comment (golden file testdata/plan.md).
func TestPullRequestPlanMarkdown(t *testing.T) {
	t.Parallel()
	c := exported(t, "")
	c.git("checkout", "-q", "-b", "feature")
	c.write("service/payments/entity.json", strings.Replace(c.read("service/payments/entity.json"), `"critical"`, `"standard"`, 1))
	c.write("service/fresh/entity.json", `{"identifier": "fresh", "blueprint": "service", "title": "Fresh", "properties": {"tier": "critical"}}`)
	c.write("service/odd/entity.json", `{"identifier": "odd", "blueprint": "service", "properties": {"tier": "gold"}}`)
	if err := os.RemoveAll(filepath.Join(c.dir, "service", "search")); err != nil {
		t.Fatal(err)
	}
	c.git("add", "-A")
	c.git("commit", "-qm", "feature")
	// main moves on after the branch forked: not part of this plan.
	c.git("checkout", "-q", "main")
	c.write("service/legacy_billing/entity.json", strings.Replace(c.read("service/legacy_billing/entity.json"), `"standard"`, `"critical"`, 1))
	c.git("commit", "-qam", "main moves on")
	c.git("update-ref", "refs/remotes/origin/main", "main")
	c.git("checkout", "-q", "feature")
	// Port already holds fresh as the branch defines it: nothing to send.
	c.put("service", `{"identifier": "fresh", "title": "Fresh", "properties": {"tier": "critical"}}`)

	c.env = map[string]string{"GITHUB_BASE_REF": "main"}
	code, out, errOut := c.run("sync", "--dry-run", "--prune", "--format", "markdown")
	if code != 1 { // odd is invalid
		t.Fatalf("sync --dry-run: exit %d\n%s%s", code, out, errOut)
	}
	if got, _ := c.srv.Entity("service", "payments"); !strings.Contains(string(got), `"critical"`) {
		t.Fatalf("a dry run changed Port: %s", got)
	}
	got := strings.ReplaceAll(out, c.headShort(), "<head>")
	c.git("checkout", "-q", "main~1")
	got = strings.ReplaceAll(got, c.headShort(), "<base>")
	golden := filepath.Join("testdata", "plan.md")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("plan:\n%s\nwant (%s; UPDATE_GOLDEN=1 rewrites it):\n%s", got, golden, want)
	}
}

// Without the target branch in the clone, the plan says how to fetch it.
func TestPullRequestPlanNeedsTheTarget(t *testing.T) {
	t.Parallel()
	c := exported(t, "")
	c.env = map[string]string{"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "release"}
	code, _, errOut := c.run("sync", "--dry-run")
	if code != 3 || !strings.Contains(errOut, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME is release, but this clone has neither origin/release nor release: fetch it") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
}
