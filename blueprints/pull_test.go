package blueprints

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

const svc = `{"identifier": "service", "title": "Service", "schema": {"properties": {"tier": {"type": "string", "enum": ["a", "b"]}}},
 "relations": {"system": {"target": "system", "required": false, "many": false}}}`
const sys = `{"identifier": "system", "title": "System", "schema": {"properties": {}}, "relations": {}}`
const other = `{"identifier": "other", "title": "Other", "schema": {"properties": {}}}`

type pullEnv struct {
	t   *testing.T
	dir string
	srv *porttest.Server
	env map[string]string
}

func setup(t *testing.T) *pullEnv {
	srv := porttest.NewT(t)
	for _, bp := range []string{svc, sys, other} {
		if err := srv.AddBlueprint(json.RawMessage(bp)); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "svc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "svc", "entity.json"), []byte(`{"identifier": "a", "blueprint": "service"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return &pullEnv{t: t, dir: dir, srv: srv, env: map[string]string{
		"PORT_BASE_URL": srv.URL, "PORT_CLIENT_ID": srv.ClientID, "PORT_CLIENT_SECRET": srv.ClientSecret,
	}}
}

func (p *pullEnv) pull(mod func(*Options)) (string, string, error) {
	var out, errOut bytes.Buffer
	opts := Options{IO: &cmdutil.IO{Out: &out, Err: &errOut, Dir: p.dir, Getenv: func(k string) string { return p.env[k] }}, Version: "test",
		retry: portapi.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxAttempts: 3}}
	if mod != nil {
		mod(&opts)
	}
	err := Pull(context.Background(), opts)
	return out.String(), errOut.String(), err
}

func (p *pullEnv) cached(id string) string {
	data, err := os.ReadFile(filepath.Join(p.dir, ".port", "blueprints", id+".json"))
	if err != nil {
		return ""
	}
	return string(data)
}

func TestPullReferencedAndTargets(t *testing.T) {
	p := setup(t)
	out, _, err := p.pull(nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := p.cached("service")
	if got == "" || p.cached("system") == "" || p.cached("other") != "" {
		t.Fatalf("pulled the wrong set:\n%s", out)
	}
	if strings.Contains(got, "createdAt") || strings.Contains(got, "updatedBy") || !strings.HasSuffix(got, "}\n") {
		t.Fatalf("server fields kept or no trailing newline:\n%s", got)
	}
	if strings.Index(got, `"identifier"`) > strings.Index(got, `"schema"`) {
		t.Fatalf("keys not sorted:\n%s", got)
	}
	// Pulling again changes nothing, byte for byte.
	out, _, err = p.pull(nil)
	if err != nil || !strings.Contains(out, "unchanged") || p.cached("service") != got {
		t.Fatalf("second pull: %v\n%s", err, out)
	}
	// --check: current, then stale after Port changes.
	if out, _, err := p.pull(func(o *Options) { o.Check = true }); err != nil || !strings.Contains(out, "cache is current") {
		t.Fatalf("check: %v\n%s", err, out)
	}
	if err := p.srv.AddBlueprint(json.RawMessage(strings.Replace(svc, `"tier"`, `"level"`, 1))); err != nil {
		t.Fatal(err)
	}
	out, _, err = p.pull(func(o *Options) { o.Check = true })
	if !errors.Is(err, cmdutil.ErrFindings) || !strings.Contains(out, "stale     service: properties added level; properties removed tier") {
		t.Fatalf("check after drift: %v\n%s", err, out)
	}
	if p.cached("service") != got {
		t.Fatal("--check wrote the cache")
	}
}

func TestPullAll(t *testing.T) {
	p := setup(t)
	if out, _, err := p.pull(func(o *Options) { o.All = true }); err != nil || p.cached("other") == "" {
		t.Fatalf("%v\n%s", err, out)
	}
}

func TestPullFailuresWriteNothing(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*pullEnv, *Options)
		code int
		want string
	}{
		{"wrong secret", func(p *pullEnv, o *Options) { p.env["PORT_CLIENT_SECRET"] = "wrong" }, cmdutil.ExitRun, "Port rejected the credentials"},
		{"no credentials", func(p *pullEnv, o *Options) { delete(p.env, "PORT_CLIENT_ID") }, cmdutil.ExitRun, "PORT_CLIENT_ID"},
		{"unreachable", func(p *pullEnv, o *Options) { p.env["PORT_BASE_URL"] = "http://127.0.0.1:1" }, cmdutil.ExitRun, "connect"},
		{"http to a remote host", func(p *pullEnv, o *Options) { p.env["PORT_BASE_URL"] = "http://api.example.com" }, cmdutil.ExitUsage, "clear text"},
		{"both ids and --all", func(p *pullEnv, o *Options) { o.IDs = []string{"x"}; o.All = true }, cmdutil.ExitUsage, "not both"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := setup(t)
			_, _, err := p.pull(func(o *Options) { c.mod(p, o) })
			if cmdutil.ExitCode(err) != c.code || err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v (exit %d), want exit %d containing %q", err, cmdutil.ExitCode(err), c.code, c.want)
			}
			if p.cached("service") != "" {
				t.Fatal("a failed pull wrote the cache")
			}
			if strings.Contains(err.Error(), p.srv.ClientSecret) {
				t.Fatal("the secret is in the error")
			}
		})
	}
}

// A port.yml names its blueprints too: pull reads it as YAML, through the
// same rules as validate (here the defaults, which match port.yml).
func TestPullReadsPortYML(t *testing.T) {
	p := setup(t)
	if err := os.WriteFile(filepath.Join(p.dir, "svc", "port.yml"), []byte("- identifier: b\n  blueprint: other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := p.pull(nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if p.cached("other") == "" || p.cached("service") == "" {
		t.Fatalf("the blueprint a port.yml names was not pulled:\n%s", out)
	}
}
