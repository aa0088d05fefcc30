package schemas

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

const svc = `{"identifier": "service", "title": "Service", "schema": {"properties": {"tier": {"type": "string", "enum": ["a", "b"]}}, "required": ["tier"]}}`

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func setup(t *testing.T) string {
	root := t.TempDir()
	write(t, filepath.Join(root, ".port", "gitops.yaml"), "entities:\n  - files: \"services/*/entity.json\"\n    blueprint: service\n  - files: \"**/port.yml\"\n")
	write(t, filepath.Join(root, ".port", "blueprints", "service.json"), svc)
	return root
}

func runExport(t *testing.T, root string, mod func(*Options)) (string, string, int) {
	var out, errOut bytes.Buffer
	opts := Options{IO: &cmdutil.IO{Out: &out, Err: &errOut, Dir: root, Getenv: func(string) string { return "" }}}
	if mod != nil {
		mod(&opts)
	}
	err := Export(context.Background(), opts)
	if err != nil && cmdutil.ExitCode(err) != cmdutil.ExitFindings {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

func TestExportCheckExitCodes(t *testing.T) {
	root := setup(t)
	if out, errOut, code := runExport(t, root, func(o *Options) { o.Check = true }); code != 1 || !strings.Contains(out, "missing   .port/schemas/catalog.schema.json") {
		t.Fatalf("check before export: %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := runExport(t, root, nil); code != 0 || !strings.Contains(out, "exported 1 blueprint schemas") {
		t.Fatalf("export: %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := runExport(t, root, func(o *Options) { o.Check = true }); code != 0 || !strings.Contains(out, "current") {
		t.Fatalf("check after export: %d\n%s%s", code, out, errOut)
	}
	write(t, filepath.Join(root, ".port", "blueprints", "service.json"), strings.Replace(svc, `"b"`, `"c"`, 1))
	if out, errOut, code := runExport(t, root, func(o *Options) { o.Check = true }); code != 1 || !strings.Contains(out, "stale     .port/schemas/blueprints/service.schema.json") {
		t.Fatalf("check after drift: %d\n%s%s", code, out, errOut)
	}
}

func TestExportUsageErrors(t *testing.T) {
	root := setup(t)
	if _, errOut, code := runExport(t, root, func(o *Options) { o.Out = t.TempDir() }); code != 2 || !strings.Contains(errOut, "inside the repository") {
		t.Fatalf("--out outside: %d %s", code, errOut)
	}
	write(t, filepath.Join(root, ".port", "blueprints", "service.json"), `{"identifier": "service", "schema": {"properties": {"tier": 1}}}`)
	if _, errOut, code := runExport(t, root, nil); code != 2 || !strings.Contains(errOut, "service.json:1:") {
		t.Fatalf("broken blueprint: %d %s", code, errOut)
	}
	os.Remove(filepath.Join(root, ".port", "blueprints", "service.json"))
	if _, errOut, code := runExport(t, root, nil); code != 2 || !strings.Contains(errOut, "blueprints pull") {
		t.Fatalf("empty cache: %d %s", code, errOut)
	}
}

// --vscode merges into .vscode/settings.json; a file with comments is left
// alone, byte for byte, and the settings are printed instead.
func TestExportVSCode(t *testing.T) {
	root := setup(t)
	settings := filepath.Join(root, ".vscode", "settings.json")
	out, errOut, code := runExport(t, root, func(o *Options) { o.VSCode = true })
	data, _ := os.ReadFile(settings)
	if code != 0 || !strings.Contains(out, "wrote     .vscode/settings.json") ||
		!strings.Contains(string(data), `"url": "./.port/schemas/blueprints/service.schema.json"`) ||
		!strings.Contains(string(data), `"./.port/schemas/catalog.schema.json": [`) {
		t.Fatalf("%d\n%s%s\n%s", code, out, errOut, data)
	}
	if out, _, code := runExport(t, root, func(o *Options) { o.VSCode = true }); code != 0 || !strings.Contains(out, "unchanged .vscode/settings.json") {
		t.Fatalf("second run: %d %s", code, out)
	}
	commented := "{\n  // my settings\n  \"editor.tabSize\": 2\n}\n"
	write(t, settings, commented)
	out, errOut, code = runExport(t, root, func(o *Options) { o.VSCode = true })
	data, _ = os.ReadFile(settings)
	if code != 0 || string(data) != commented || !strings.Contains(errOut, "left .vscode/settings.json alone") || !strings.Contains(out, `"json.schemas": [`) {
		t.Fatalf("commented file: %d\n%s%s\n%s", code, out, errOut, data)
	}
}

func TestModelineCommand(t *testing.T) {
	root := setup(t)
	var out, errOut bytes.Buffer
	opts := Options{IO: &cmdutil.IO{Out: &out, Err: &errOut, Dir: filepath.Join(root, "services"), Getenv: func(string) string { return "" }}, File: "pay/port.yml"}
	if err := Modeline(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "# yaml-language-server: $schema=../../.port/schemas/catalog.schema.json\n" || !strings.Contains(errOut.String(), "schemas export") {
		t.Fatalf("got %q, %q", got, errOut.String())
	}
	for _, f := range []string{"pay/README.yml", "pay/entity.json", "../../elsewhere.yml"} {
		opts.File = f
		if err := Modeline(context.Background(), opts); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%s: want a usage error, got %v", f, err)
		}
	}
}

// A .vscode that is a link leading outside the repository is never written
// through: the settings are printed instead.
func TestExportVSCodeLinkOutside(t *testing.T) {
	root := setup(t)
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, ".vscode")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	out, errOut, code := runExport(t, root, func(o *Options) { o.VSCode = true })
	if code != 0 || !strings.Contains(errOut, "left .vscode/settings.json alone") || !strings.Contains(out, `"json.schemas"`) {
		t.Fatalf("%d\n%s%s", code, out, errOut)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Fatalf("wrote outside the repository: %v", ents)
	}
}
