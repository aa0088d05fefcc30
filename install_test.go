package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// release is a fake GitHub release: archive name → content.
type release map[string][]byte

func tarGz(t *testing.T, name, content string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct{ name, body string }{{"README.md", "readme"}, {name, content}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o755, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(f.body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func zipped(t *testing.T, name, content string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(content))
	zw.Close()
	return buf.Bytes()
}

// releaseServer serves releases laid out as GitHub does:
// /releases/latest redirects to /releases/tag/<newest>, assets are at
// /releases/download/<tag>/<name>. It records every path asked for.
func releaseServer(t *testing.T, newest string, rels map[string]release) (*httptest.Server, *[]string) {
	var asked []string
	mux := http.NewServeMux()
	mux.HandleFunc("/releases/latest", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/releases/tag/"+newest, http.StatusFound)
	})
	mux.HandleFunc("/releases/tag/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("release page")) })
	mux.HandleFunc("/releases/download/", func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Path)
		parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/releases/download/"), "/", 2)
		rel, ok := rels[parts[0]]
		if !ok || len(parts) != 2 {
			http.NotFound(w, r)
			return
		}
		data, ok := rel[parts[1]]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &asked
}

// newRelease builds the archives of tag for the given platforms, each
// binary's content naming its platform, and checksums.txt.
func newRelease(t *testing.T, tag string, platforms ...string) release {
	rel := release{}
	var sums strings.Builder
	for _, p := range platforms {
		os, arch, _ := strings.Cut(p, "/")
		name := fmt.Sprintf("port-gitops_%s_%s_%s", strings.TrimPrefix(tag, "v"), os, arch)
		body := "binary " + tag + " " + p
		if os == "windows" {
			name += ".zip"
			rel[name] = zipped(t, "port-gitops.exe", body)
		} else {
			name += ".tar.gz"
			rel[name] = tarGz(t, "port-gitops", body)
		}
		fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256(rel[name]), name)
	}
	rel["checksums.txt"] = []byte(sums.String())
	return rel
}

func runInstall(t *testing.T, srv *httptest.Server, platform string, args ...string) (string, int) {
	t.Helper()
	os_, arch, _ := strings.Cut(platform, "/")
	cmd := exec.Command("bash", append([]string{filepath.Join("scripts", "install-release.sh")}, args...)...)
	cmd.Env = append(os.Environ(), "PORT_GITOPS_RELEASES="+srv.URL+"/releases/", "PORT_GITOPS_OS="+os_, "PORT_GITOPS_ARCH="+arch)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func needTools(t *testing.T, tools ...string) {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the install script needs it", tool)
		}
	}
}

// The action's install script picks the archive of the platform, verifies
// it against checksums.txt, resolves latest, and refuses a tampered
// archive and an unknown version with a clear message.
func TestInstallReleaseScript(t *testing.T) {
	t.Parallel()
	needTools(t, "bash", "curl", "tar", "sha256sum")
	all := []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}
	good := newRelease(t, "v1.2.3", all...)
	old := newRelease(t, "v1.0.0", "linux/amd64")
	tampered := newRelease(t, "v1.3.0", "linux/amd64")
	tampered["port-gitops_1.3.0_linux_amd64.tar.gz"] = tarGz(t, "port-gitops", "evil")
	srv, asked := releaseServer(t, "v1.2.3", map[string]release{"v1.2.3": good, "v1.0.0": old, "v1.3.0": tampered})

	platforms := []string{"linux/amd64", "darwin/arm64"}
	if _, err := exec.LookPath("unzip"); err == nil {
		platforms = append(platforms, "windows/amd64")
	} else {
		t.Log("unzip is not installed: the windows archive is not tried")
	}
	for _, p := range platforms {
		dir := t.TempDir()
		out, code := runInstall(t, srv, p, "install", "v1.2.3", dir)
		bin := "port-gitops"
		if strings.HasPrefix(p, "windows") {
			bin += ".exe"
		}
		data, err := os.ReadFile(filepath.Join(dir, bin))
		if code != 0 || err != nil || string(data) != "binary v1.2.3 "+p {
			t.Fatalf("%s: exit %d, %q %v\n%s", p, code, data, err, out)
		}
		if fi, _ := os.Stat(filepath.Join(dir, bin)); fi.Mode()&0o111 == 0 {
			t.Errorf("%s: not executable", p)
		}
	}

	dir := t.TempDir()
	if out, code := runInstall(t, srv, "linux/amd64", "install", "latest", dir); code != 0 || !strings.Contains(out, "installed port-gitops v1.2.3 (linux/amd64)") {
		t.Fatalf("latest: exit %d\n%s", code, out)
	}
	if out, code := runInstall(t, srv, "linux/amd64", "resolve", "latest"); code != 0 || out != "v1.2.3\n" {
		t.Fatalf("resolve latest: exit %d %q", code, out)
	}

	dir = t.TempDir()
	out, code := runInstall(t, srv, "linux/amd64", "install", "v1.3.0", dir)
	if code != 1 || !strings.Contains(out, "does not match checksums.txt of v1.3.0") || !strings.Contains(out, "refusing to install it") {
		t.Fatalf("tampered archive: exit %d\n%s", code, out)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("a tampered archive left %v", ents)
	}

	out, code = runInstall(t, srv, "linux/amd64", "install", "v9.9.9", t.TempDir())
	if code != 1 || !strings.Contains(out, "release v9.9.9 not found") {
		t.Fatalf("unknown version: exit %d\n%s", code, out)
	}
	out, code = runInstall(t, srv, "darwin/arm64", "install", "v1.0.0", t.TempDir())
	if code != 1 || !strings.Contains(out, "release v1.0.0 has no port-gitops_1.0.0_darwin_arm64.tar.gz") {
		t.Fatalf("platform not in the release: exit %d\n%s", code, out)
	}
	for _, bad := range []string{"1.2.3", "v1.2.3/../../x", "v1;rm -rf /", ""} {
		if out, code := runInstall(t, srv, "linux/amd64", "install", bad, t.TempDir()); code != 2 {
			t.Errorf("version %q: exit %d, want 2\n%s", bad, code, out)
		}
	}
	if out, code := runInstall(t, srv, "plan9/amd64", "install", "v1.2.3", t.TempDir()); code != 2 || !strings.Contains(out, "no release binary for plan9/amd64") {
		t.Errorf("unknown platform: exit %d\n%s", code, out)
	}
	for _, p := range *asked {
		if strings.Contains(p, "..") {
			t.Errorf("asked the server for %s", p)
		}
	}
}
