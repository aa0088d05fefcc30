package blueprint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// refBlueprint is a blueprint whose property "p" has the schema schema,
// with the schema starting on line 3.
func refBlueprint(schema string) string {
	return "{\"identifier\": \"r\",\n \"schema\": {\"properties\": {\n\"p\": " + schema + ",\n\"q\": {\"type\": \"string\"}}}}"
}

// withDeadline fails the test when f has not returned within seconds: a
// schema whose $ref is loaded from a FIFO would block for ever.
func withDeadline(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("still compiling after 10s: something was loaded")
	}
}

func TestSchemaRefersOnlyInsideItself(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "target.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, tc := range []struct {
		name, schema string
		col          int // of the offending value, on line 3
	}{
		{"file URL to a FIFO", `{"$ref": "file://` + fifo + `"}`, 15},
		{"plain path", `{"type": "string", "$ref": "` + fifo + `"}`, 33},
		{"relative", `{"$ref": "other.json#/x"}`, 15},
		{"http", `{"$ref": "http://127.0.0.1:9/x.json"}`, 15},
		{"nested in items", `{"type": "array", "items": {"$ref": "file://` + fifo + `"}}`, 42},
		{"nested in a definition", `{"$defs": {"a": {"$dynamicRef": "file://` + fifo + `"}}}`, 38},
		{"unknown dialect", `{"$schema": "file://` + fifo + `"}`, 18},
		{"not a string", `{"$ref": 1}`, 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withDeadline(t, func() {
				c, err := OpenCache(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.Parse("r", "r.json", []byte(refBlueprint(tc.schema)))
				var le *LoadError
				if !errors.As(err, &le) {
					t.Fatalf("err = %v, want a *LoadError", err)
				}
				if le.Line != 3 || le.Column != tc.col {
					t.Errorf("at %d:%d, want 3:%d: %v", le.Line, le.Column, tc.col, err)
				}
			})
		})
	}
}

func TestSchemaInternalRefsStillWork(t *testing.T) {
	c, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// "#" is the blueprint's schema, as in Port: {"properties": ...}.
	bp, err := c.Parse("r", "r.json", []byte(refBlueprint(`{"$defs": {"s": {"type": "string", "maxLength": 2}}, "$ref": "#/properties/p/$defs/s"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if got := check(t, bp, `{"identifier": "x", "properties": {"p": "long"}}`); len(got) != 1 || !strings.HasPrefix(got[0], "max-length@") {
		t.Errorf("a $ref inside the schema is followed: %q", got)
	}
	// A property named "$ref" is a name, not a keyword; a "$ref" inside an
	// enum value is data.
	if _, err := c.Parse("s", "s.json", []byte(`{"identifier": "s", "schema": {"properties": {"$ref": {"type": "string", "enum": [{"$ref": "file:///etc/passwd"}]}}}}`)); err != nil {
		t.Errorf("a property named $ref: %v", err)
	}
}

// Whatever the walk of keywords misses, the fallback compiler loads
// nothing: a reference outside the blueprint does not resolve.
func TestCompilerLoadsNothing(t *testing.T) {
	for _, ref := range []string{"file:///etc/hostname", "https://example.com/s.json", "other.json"} {
		_, err := compileFallback(map[string]map[string]any{"p": {"$ref": ref}}, []string{"p"})
		if err == nil {
			t.Fatalf("a schema referring to %s compiled", ref)
		}
	}
}

func TestCachedBlueprintFIFOAndLinks(t *testing.T) {
	root := t.TempDir()
	cache := filepath.Join(root, ".port", "blueprints")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(cache, "fifo.json"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	outside := filepath.Join(t.TempDir(), "out.json")
	if err := os.WriteFile(outside, []byte(`{"identifier": "canary-77", "schema": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(cache, "out.json")); err != nil {
		t.Skipf("symlink: %v", err)
	}
	withDeadline(t, func() {
		c, err := OpenCacheIn(root, cache)
		if err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]string{"fifo": "named pipe", "out": "leads outside the repository"} {
			_, err := c.Get(id)
			var le *LoadError
			if !errors.As(err, &le) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "canary") {
				t.Errorf("%s: %v", id, err)
			}
		}
	})
}
