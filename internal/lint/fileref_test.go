package lint

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/port-gitops/port-gitops/internal/report"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

const docsBlueprint = `{
  "identifier": "service",
  "title": "Service",
  "schema": {
    "properties": {
      "readme": {"type": "string", "format": "markdown"},
      "short": {"type": "string", "maxLength": 5},
      "config": {"type": "object", "properties": {"port": {"type": "number"}}},
      "tags": {"type": "array", "items": {"type": "string"}}
    }
  }
}`

// refRepo writes files under a fresh root and returns a linter reading
// file:// targets from it.
func refRepo(t *testing.T, files map[string]string) (*Linter, string) {
	t.Helper()
	dir := t.TempDir()
	for p, body := range files {
		abs := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(abs, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := safefile.NewRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &Linter{Cache: cache(t, map[string]string{"service": docsBlueprint}), KeepNodes: true, Refs: DirRefs(root)}, dir
}

func TestResolveRef(t *testing.T) {
	for _, c := range []struct{ file, ref, want, err string }{
		{"svc/a/entity.json", "file://README.md", "README.md", ""},
		{"svc/a/entity.json", "file://./README.md", "svc/a/README.md", ""},
		{"svc/a/entity.json", "file://../b/x.md", "svc/b/x.md", ""},
		{"svc/a/entity.json", "file://docs//x/../y.md", "docs/y.md", ""},
		{"entity.json", "file://../x", "", "outside the repository"},
		{"svc/a/entity.json", "file://../../../x", "", "outside the repository"},
		{"svc/a/entity.json", "file://docs/../../x", "", "outside the repository"},
		{"svc/a/entity.json", "file:///etc/passwd", "", "absolute path"},
		{"svc/a/entity.json", "file://", "", "names no file"},
		{"svc/a/entity.json", "file://docs/", "", "directory"},
		{"svc/a/entity.json", "file://./", "", "directory"},
	} {
		got, err := ResolveRef(c.file, c.ref)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ResolveRef(%q, %q) = %q, %v; want error with %q", c.file, c.ref, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ResolveRef(%q, %q) = %q, %v; want %q", c.file, c.ref, got, err, c.want)
		}
	}
}

func TestFileRefContentReplacesValue(t *testing.T) {
	l, _ := refRepo(t, map[string]string{
		"README.md":             "# Payments\n",
		"svc/pay/notes.md":      "local notes",
		"svc/pay/config.json":   `{"port": 8080}`,
		"svc/pay/tags.yaml":     "- a\n- b\n",
		"svc/pay/entity.json":   "",
		"svc/other/unused.json": "{}",
	})
	body := `{"identifier": "pay", "properties": {"readme": "file://README.md", "short": "file://./notes.md",
  "config": "file://./config.json", "tags": "file://svc/pay/tags.yaml"}}`
	res, err := l.Run(context.Background(), []Source{source("svc/pay/entity.json", body)})
	if err != nil {
		t.Fatal(err)
	}
	// notes.md is 11 characters: longer than maxLength 5, checked on the content.
	if len(res.Findings) != 1 || res.Findings[0].Rule != "max-length" {
		t.Fatalf("findings = %+v, want one max-length finding on the content", res.Findings)
	}
	f := res.Findings[0]
	if col := strings.Index(body, `"file://./notes.md"`) + 1; f.Line != 1 || f.Column != col || !strings.Contains(f.Message, `"file://./notes.md", svc/pay/notes.md`) {
		t.Errorf("finding = %d:%d %q: want the value's position and the target named", f.Line, f.Column, f.Message)
	}
	if len(res.Entities) != 1 {
		t.Fatalf("entities = %+v", res.Entities)
	}
	e := res.Entities[0]
	got, _ := json.Marshal(e.Node.Get("properties").Interface())
	want := `{"config":{"port":8080},"readme":"# Payments\n","short":"local notes","tags":["a","b"]}`
	if string(got) != want {
		t.Errorf("properties = %s\nwant %s", got, want)
	}
	if strings.Join(e.Refs, ",") != "README.md,svc/pay/config.json,svc/pay/notes.md,svc/pay/tags.yaml" {
		t.Errorf("Refs = %v", e.Refs)
	}
}

func TestFileRefFindings(t *testing.T) {
	l, dir := refRepo(t, map[string]string{
		"bad.json":    `{"port": "eighty"}`,
		"broken.json": `{"port": 1,}`,
		"dup.json":    `{"port": 1, "port": 2}`,
		"tags.txt":    "a b",
		"binary.md":   "\xff\xfe",
		"big.md":      strings.Repeat("x", safefile.MaxReferencedFile+1),
		"list.json":   `{"not": "a list"}`,
	})
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.md"), []byte("TOPSECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.md"), filepath.Join(dir, "link.md")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ prop, ref, rule, want string }{
		{"readme", "file://missing.md", "file-reference", `"file://missing.md": missing.md does not exist`},
		{"readme", "file://../x.md", "file-reference", "leads outside the repository"},
		{"readme", "file://link.md", "file-reference", "link.md cannot be read: not a regular file: a symbolic link that leads outside"},
		{"readme", "file://fifo.md", "file-reference", "not a regular file"},
		{"readme", "file://big.md", "file-reference", "big.md is too large"},
		{"readme", "file://binary.md", "file-reference", "binary.md is not UTF-8 text"},
		{"config", "file://broken.json", "file-reference", "broken.json:1:11: trailing comma"},
		{"config", "file://dup.json", "file-reference", "dup.json:1:13: "},
		{"tags", "file://tags.txt", "file-reference", "must be .json, .yml or .yaml"},
		{"config", "file://bad.json", "type", `(in the content of "file://bad.json", bad.json)`},
		{"tags", "file://list.json", "type", `(in the content of "file://list.json", list.json)`},
	}
	for _, c := range cases {
		t.Run(c.ref, func(t *testing.T) {
			body := `{"identifier": "x", "properties": {"` + c.prop + `": "` + c.ref + `"}}`
			res, err := l.Run(context.Background(), []Source{source("entity.json", body)})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Findings) != 1 {
				t.Fatalf("findings = %+v, want 1", res.Findings)
			}
			f := res.Findings[0]
			col := len(`{"identifier": "x", "properties": {"`+c.prop+`": `) + 1
			if f.Rule != c.rule || f.Severity != report.Error || !strings.Contains(f.Message, c.want) || f.Line != 1 || f.Column != col {
				t.Errorf("finding = %d:%d %s %q; want 1:%d %s containing %q", f.Line, f.Column, f.Rule, f.Message, col, c.rule, c.want)
			}
			if f.Pointer != "/properties/"+c.prop && !strings.HasPrefix(f.Pointer, "/properties/"+c.prop+"/") {
				t.Errorf("pointer = %q", f.Pointer)
			}
			if strings.Contains(f.Message, "TOPSECRET") || strings.Contains(f.Message, outside) {
				t.Errorf("message shows what lies outside the repository: %q", f.Message)
			}
			if res.Entities[0].Valid {
				t.Error("entity is valid despite an error")
			}
		})
	}
}

func TestFileRefWithoutReaderLeavesValue(t *testing.T) {
	l := &Linter{Cache: cache(t, map[string]string{"service": docsBlueprint}), KeepNodes: true}
	res, err := l.Run(context.Background(), []Source{source("entity.json", `{"identifier": "x", "properties": {"readme": "file://README.md"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 || res.Entities[0].Node.Get("properties").Get("readme").Str != "file://README.md" {
		t.Errorf("findings %+v, node %+v", res.Findings, res.Entities[0].Node)
	}
}

func TestMayReference(t *testing.T) {
	for _, c := range []struct {
		data string
		want bool
	}{
		{`{"a": "file://x"}`, true},
		{`{"a": "file:\/\/x"}`, true},
		{`{"a": "\u0066ile://x"}`, true},
		{"a: \"fi\\\nle://x\"", true},
		{`a: "\x66ile://x"`, true},
		{`{"a": "no references", "b": "tab\there"}`, false},
		{`{"a": "ends with a backslash \\"}`, false},
	} {
		if got := MayReference([]byte(c.data)); got != c.want {
			t.Errorf("MayReference(%q) = %v, want %v", c.data, got, c.want)
		}
	}
}

// Many entities naming one large target: the target is read once per file,
// and the content one entity file takes in is bounded.
func TestFileRefBudgetPerFile(t *testing.T) {
	big := []byte(strings.Repeat("x", 1_000_000))
	reads := 0
	l := &Linter{Cache: cache(t, map[string]string{"service": docsBlueprint}), Refs: RefFunc(func(p string) ([]byte, error) {
		reads++
		return big, nil
	})}
	var b strings.Builder
	b.WriteString("[")
	const n = 40
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(`{"identifier": "e` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `", "properties": {"readme": "file://big.md"}}`)
	}
	b.WriteString("]")
	res, err := l.Run(context.Background(), []Source{source("entity.json", b.String())})
	if err != nil {
		t.Fatal(err)
	}
	over := 0
	for _, f := range res.Findings {
		if f.Rule == "file-reference" && strings.Contains(f.Message, "add up to more than 32 MiB") {
			over++
		}
	}
	// 32 MiB holds 33 copies of 1,000,000 bytes.
	if reads != 1 || over != n-33 || len(res.Findings) != over {
		t.Fatalf("reads = %d, over-budget findings = %d (want 1, %d); findings: %d", reads, over, n-33, len(res.Findings))
	}
}
