package safefile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func newRoot(t *testing.T) (*Root, string) {
	t.Helper()
	dir := t.TempDir()
	r, err := NewRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r, dir
}

func TestReadFile(t *testing.T) {
	r, dir := newRoot(t)
	for _, n := range []int{0, 1, 4095, 4096, 4097, 1 << 20} {
		want := bytes.Repeat([]byte{'x'}, n)
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadFile(p, MaxEntityFile)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("size %d: got %d bytes, %v", n, len(got), err)
		}
	}
	if _, err := r.ReadFile(dir, MaxEntityFile); !errors.Is(err, ErrIsDir) {
		t.Fatalf("directory: %v", err)
	}
	if _, err := r.ReadFile(filepath.Join(dir, "missing"), MaxEntityFile); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestReadFileLimit(t *testing.T) {
	r, dir := newRoot(t)
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, bytes.Repeat([]byte{'x'}, 101), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadFile(p, 101); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	_, err := r.ReadFile(p, 100)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "101 bytes, more than the limit of 100 bytes") {
		t.Fatalf("over the limit: %v", err)
	}
}

// withDeadline fails the test when f has not returned within seconds: a
// read that blocks must fail, not hang.
func withDeadline(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("still reading after 10s")
	}
}

func TestReadFIFODoesNotBlock(t *testing.T) {
	r, dir := newRoot(t)
	p := filepath.Join(dir, "entity.json")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	withDeadline(t, func() {
		_, err := r.ReadFile(p, MaxEntityFile)
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("FIFO: %v", err)
		}
	})
}

func TestReadDevZeroLinkIsBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	r, dir := newRoot(t)
	// A link to /dev/zero leads outside the repository; the device itself,
	// reached through a root that holds it, is not a regular file.
	p := filepath.Join(dir, "entity.json")
	if err := os.Symlink("/dev/zero", p); err != nil {
		t.Skipf("symlink: %v", err)
	}
	withDeadline(t, func() {
		if _, err := r.ReadFile(p, MaxEntityFile); !errors.Is(err, ErrNotRegular) {
			t.Errorf("link to /dev/zero: %v", err)
		}
		dev, err := NewRoot("/dev")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dev.ReadFile("/dev/zero", MaxEntityFile); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "character device") {
			t.Errorf("/dev/zero: %v", err)
		}
	})
}

func TestSymlinks(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.json")
	if err := os.WriteFile(secret, []byte(`"canary-3f9a"`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, dir := newRoot(t)
	if err := os.WriteFile(filepath.Join(dir, "real.json"), []byte("inside"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"in.json":      "real.json",
		"sublink":      "sub",
		"sub/up.json":  "../real.json",
		"out.json":     secret,
		"rel-out.json": "../" + filepath.Base(outside) + "/secret.json",
		"sneaky.json":  "sub/../../" + filepath.Base(outside) + "/secret.json",
		"outdir":       outside,
		"dangling":     filepath.Join(outside, "nothing-here"),
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("symlink: %v", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "x.json"), []byte("inside"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"in.json", "sub/up.json", "sublink/x.json", "sub/x.json"} {
		got, err := r.ReadFile(filepath.Join(dir, name), MaxEntityFile)
		if err != nil || string(got) != "inside" {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	for _, name := range []string{"out.json", "rel-out.json", "sneaky.json", "outdir/secret.json", "dangling"} {
		p := filepath.Join(dir, name)
		got, err := r.ReadFile(p, MaxEntityFile)
		if err == nil {
			t.Errorf("%s: read %q", name, got)
			continue
		}
		if name != "dangling" && !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: %v, want ErrNotRegular", name, err)
		}
		// The error names the path in the repository, never the target.
		if msg := err.Error(); strings.Contains(msg, outside) || strings.Contains(msg, "canary") || !strings.Contains(msg, p) {
			t.Errorf("%s: error %q", name, msg)
		}
	}
}
