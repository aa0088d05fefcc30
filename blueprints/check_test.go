package blueprints

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

func runCheckIn(t *testing.T, dir, format string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &cmdutil.IO{Out: &out, Err: &errOut, Dir: dir, Getenv: func(string) string { return "" }}
	err := Check(context.Background(), CheckOptions{IO: io, Format: format, Color: "never"})
	return out.String(), err
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, body := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// blueprints check reads every cached blueprint, used by an entity or not,
// and reports each problem at its line and column; exit 2 when any is
// broken, 0 otherwise.
func TestCheckReportsEveryBrokenBlueprint(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, root, map[string]string{
		".port/blueprints/ok.json":     `{"identifier": "ok", "title": "OK", "schema": {"properties": {"a": {"type": "string", "format": "markdown"}}}}`,
		".port/blueprints/ticket.json": "{\"identifier\": \"ticket\", \"schema\": {\"properties\": {\n  \"status\": {\"type\": \"enum\"}}}}",
		".port/blueprints/notes.json":  "{\"identifier\": \"notes\", \"schema\": {\n  \"properties\": \"DON'T CHANGE\"}}",
		".port/blueprints/bad.json":    "{\"identifier\": \"bad\",\n",
	})
	out, err := runCheckIn(t, root, "text")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("exit %d (%v), want 2\n%s", cmdutil.ExitCode(err), err, out)
	}
	for _, want := range []string{
		".port/blueprints/bad.json:2:1: error: unexpected end of input",
		`.port/blueprints/notes.json:2:17: error: "schema.properties" must be an object [broken-blueprint]`,
		`.port/blueprints/ticket.json:2:22: error: property "status": type "enum" is not one of string, number, boolean, object, array [broken-blueprint]`,
		"[broken-blueprint]\n\n4 cached blueprints, 3 broken\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q\n%s", want, out)
		}
	}
	if strings.Contains(out, "ok.json") {
		t.Errorf("a good blueprint is reported:\n%s", out)
	}

	out, err = runCheckIn(t, root, "json")
	var doc struct {
		Valid    bool
		Findings []struct {
			File, Blueprint, Rule string
			Line, Column          int
		}
	}
	if jerr := json.Unmarshal([]byte(out), &doc); jerr != nil || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("json: exit %d, %v\n%s", cmdutil.ExitCode(err), jerr, out)
	}
	if doc.Valid || len(doc.Findings) != 3 || doc.Findings[2].Blueprint != "ticket" || doc.Findings[2].Line != 2 || doc.Findings[2].Column != 22 {
		t.Fatalf("json document: %+v", doc)
	}

	for _, f := range []string{"ticket.json", "notes.json", "bad.json"} {
		if err := os.Remove(filepath.Join(root, ".port", "blueprints", f)); err != nil {
			t.Fatal(err)
		}
	}
	out, err = runCheckIn(t, root, "text")
	if err != nil || out != "1 cached blueprint, none broken\n" {
		t.Fatalf("all good: %v\n%q", err, out)
	}
}

func TestCheckWithoutCacheIsUsageError(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := runCheckIn(t, root, "text")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "blueprints pull") {
		t.Fatalf("got %v", err)
	}
}
