package validate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// A script piping --format json into jq gets a document even when the run
// fails before checking anything.
func TestJSONFormatReportsConfigErrorOnStdout(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".port"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".port", "gitops.yaml"), []byte("entities:\n  - filez: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runIn(t, dir, Options{Format: "json"})
	if r.err == nil {
		t.Fatal("a bad config passed")
	}
	var doc struct {
		Valid    *bool `json:"valid"`
		Findings []any `json:"findings"`
		Error    struct {
			Message  string `json:"message"`
			ExitCode int    `json:"exitCode"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("stdout is not a JSON document: %v\n%s", err, r.out)
	}
	if doc.Valid == nil || *doc.Valid || doc.Error.ExitCode != 2 || doc.Error.Message == "" || doc.Findings == nil {
		t.Fatalf("document: %s", r.out)
	}
}
