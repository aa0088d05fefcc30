package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteNewNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "entity.json")
	created, err := WriteNew(p, []byte("first\n"), 0o644)
	if err != nil || !created {
		t.Fatalf("first write: created %v, %v", created, err)
	}
	created, err = WriteNew(p, []byte("second\n"), 0o644)
	if err != nil || created {
		t.Fatalf("second write: created %v, %v; want not created, no error", created, err)
	}
	if b, _ := os.ReadFile(p); string(b) != "first\n" {
		t.Errorf("the file was replaced: %q", b)
	}
	// A dangling link is something there too: never written through.
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if created, err := WriteNew(link, []byte("x"), 0o644); err != nil || created {
		t.Errorf("through a dangling link: created %v, %v", created, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "elsewhere")); err == nil {
		t.Error("the link's target was created")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("temporary files left: %v", ents)
	}
}
