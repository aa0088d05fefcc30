package blueprints

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

const canary = "canary-7d41b0c3"

// Answers pull must not trust: each is an error (exit 3) that says what was
// wrong, and nothing is written.
func TestPullTrustsNothing(t *testing.T) {
	cases := []struct {
		name   string
		all    bool
		faults []porttest.Fault
		want   string
	}{
		{"wrong identifier", false, []porttest.Fault{{Method: "GET", PathSuffix: "/v1/blueprints/service", Status: 200,
			Body: `{"ok": true, "blueprint": {"identifier": "other", "title": "Other", "schema": {"properties": {}}}}`}},
			`asked Port for blueprint "service", it answered blueprint "other": nothing written`},
		{"no identifier", false, []porttest.Fault{{Method: "GET", PathSuffix: "/v1/blueprints/service", Status: 200,
			Body: `{"ok": true, "blueprint": {"title": "Other"}}`}}, "blueprint service: blueprint from Port has no identifier"},
		{"blueprint null", false, []porttest.Fault{{Method: "GET", PathSuffix: "/v1/blueprints/service", Status: 200,
			Body: `{"ok": true, "blueprint": null}`}}, "GET /v1/blueprints/service: the answer has no blueprint object"},
		{"200 MiB answer", false, []porttest.Fault{{Method: "GET", PathSuffix: "/v1/blueprints/service", StreamBytes: 200 << 20}},
			"GET /v1/blueprints/service: the answer is over the 4 MiB limit"},
		{"redirect to plain http", false, []porttest.Fault{{Method: "GET", PathSuffix: "/v1/blueprints/service", Redirect: "http://192.0.2.1/v1/blueprints/service?sig=" + canary}},
			"GET /v1/blueprints/service: refusing a redirect to http://192.0.2.1/v1/blueprints/service: only https://"},
		{"--all: blueprints null", true, []porttest.Fault{{Method: "GET", PathSuffix: "/v1/blueprints", Status: 200, Body: `{"ok": true, "blueprints": null}`}},
			`GET /v1/blueprints: the answer has no "blueprints" array`},
		{"--all: blueprints missing", true, []porttest.Fault{{Method: "GET", PathSuffix: "/v1/blueprints", Status: 200, Body: `{"ok": true}`}},
			`GET /v1/blueprints: the answer has no "blueprints" array`},
		{"--all: not an array", true, []porttest.Fault{{Method: "GET", PathSuffix: "/v1/blueprints", Status: 200, Body: `{"ok": true, "blueprints": {"a": {}}}`}},
			`GET /v1/blueprints: the answer has no "blueprints" array`},
		{"--all: entry without identifier", true, []porttest.Fault{{Method: "GET", PathSuffix: "/v1/blueprints", Status: 200,
			Body: `{"ok": true, "blueprints": [{"identifier": "a"}, {"title": "B"}]}`}}, "blueprint 2 of 2 in Port's list: blueprint from Port has no identifier"},
		{"--all: null entry", true, []porttest.Fault{{Method: "GET", PathSuffix: "/v1/blueprints", Status: 200,
			Body: `{"ok": true, "blueprints": [null]}`}}, "blueprint 1 of 1 in the answer is not an object"},
		{"--all: the same identifier twice", true, []porttest.Fault{{Method: "GET", PathSuffix: "/v1/blueprints", Status: 200,
			Body: `{"ok": true, "blueprints": [{"identifier": "a"}, {"identifier": "a"}]}`}}, `holds "a" twice: nothing written`},
		{"--all: a blueprint over 4 MiB", true, []porttest.Fault{{Method: "GET", PathSuffix: "/v1/blueprints", Status: 200,
			Body: `{"ok": true, "blueprints": [{"identifier": "a"}, {"identifier": "b", "description": "` + strings.Repeat("d", 5<<20) + `"}]}`}},
			"blueprint 2 of 2 in Port's list: the blueprint is 5242918 bytes, over the 4 MiB limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := setup(t)
			for _, f := range c.faults {
				p.srv.Inject(f)
			}
			out, errOut, err := p.pull(func(o *Options) { o.All = c.all })
			if cmdutil.ExitCode(err) != cmdutil.ExitRun || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v (exit %d), want exit 3 with %q", err, cmdutil.ExitCode(err), c.want)
			}
			if p.cached("service") != "" || p.cached("other") != "" || p.cached("system") != "" || p.cached("a") != "" {
				t.Fatal("a pull that failed wrote the cache")
			}
			if all := out + errOut + err.Error(); strings.Contains(all, canary) {
				t.Fatalf("a secret from the answer is printed:\n%s", all)
			}
		})
	}
}

// A storm of 429s on the token request and on the blueprint's: pull rides
// it out, saying so once per wait; past the budget it stops with exit 3.
func TestPullRateLimitStorm(t *testing.T) {
	p := setup(t)
	p.srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/auth/access_token", Status: 429, RetryAfter: "1", Times: 8})
	p.srv.Inject(porttest.Fault{Method: "GET", PathSuffix: "/v1/blueprints/service", Status: 429, RetryAfter: "1", Times: 8})
	_, errOut, err := p.pull(nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if n := strings.Count(errOut, "port-gitops: rate limited by Port, waiting 1ms\n"); n != 16 || strings.Count(errOut, "\n") != 16 {
		t.Fatalf("want 16 wait lines, got:\n%s", errOut)
	}
	if p.cached("service") == "" {
		t.Fatal("not written after the storm")
	}

	p = setup(t)
	p.srv.Inject(porttest.Fault{Method: "GET", PathSuffix: "/v1/blueprints/service", Status: 429, RetryAfter: "1", Times: 1000})
	start := time.Now()
	_, errOut, err = p.pull(func(o *Options) {
		o.RateLimitBudget = "5ms"
		o.retry.MaxDelay = 2 * time.Millisecond
	})
	if cmdutil.ExitCode(err) != cmdutil.ExitRun || !errors.Is(err, portapi.ErrRateLimitBudget) ||
		!strings.Contains(err.Error(), "GET /v1/blueprints/service: 429") || !strings.Contains(err.Error(), "the rate-limit budget is 5ms") {
		t.Fatalf("got %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	if time.Since(start) > 5*time.Second || strings.Count(errOut, "rate limited by Port, waiting 2ms") < 2 {
		t.Fatalf("took %v; stderr:\n%s", time.Since(start), errOut)
	}
}

// With the API unreachable, each wait says so and the error names the
// token request, not the blueprint pull was after.
func TestPullUnreachableNamesTheTokenRequest(t *testing.T) {
	p := setup(t)
	url := p.srv.URL
	p.srv.Close()
	p.env["PORT_BASE_URL"] = url
	_, errOut, err := p.pull(func(o *Options) { o.IDs = []string{"libary"} })
	if cmdutil.ExitCode(err) != cmdutil.ExitRun || !strings.Contains(err.Error(), "POST /v1/auth/access_token") || strings.Contains(err.Error(), "libary") {
		t.Fatalf("got %v", err)
	}
	want := "port-gitops: cannot reach " + url + "/v1/auth/access_token: connection refused; retrying in "
	if strings.Count(errOut, want) != 2 {
		t.Fatalf("want 2 lines starting %q, got:\n%s", want, errOut)
	}
}

// A secret pasted into PORT_BASE_URL or --api-url is never printed; a
// newline or space around a credential is dropped and named, never shown.
func TestPullURLAndCredentialHygiene(t *testing.T) {
	for _, raw := range []string{
		"https://user:" + canary + "@api.example.com",
		"https://api.example.com/?token=" + canary,
		"http://127.0.0.1:1/?token=" + canary,
		"https://exa mple.com/?token=" + canary,
	} {
		for _, viaFlag := range []bool{false, true} {
			p := setup(t)
			out, errOut, err := p.pull(func(o *Options) {
				if viaFlag {
					o.APIURL = raw
				} else {
					p.env["PORT_BASE_URL"] = raw
				}
			})
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%q (flag %v): got %v, want a usage error", raw, viaFlag, err)
			}
			if all := fmt.Sprint(out, errOut, err); strings.Contains(all, canary) {
				t.Errorf("%q (flag %v): the secret is printed:\n%s", raw, viaFlag, all)
			}
		}
	}

	p := setup(t)
	p.env["PORT_CLIENT_ID"] += "\n"
	p.env["PORT_CLIENT_SECRET"] = " " + p.env["PORT_CLIENT_SECRET"] + "\r\n"
	out, errOut, err := p.pull(nil)
	if err != nil {
		t.Fatalf("credentials with white space around them: %v\n%s", err, errOut)
	}
	want := "port-gitops: PORT_CLIENT_ID ends with a newline; using it without (fix the variable where it is set)\n" +
		"port-gitops: PORT_CLIENT_SECRET starts with a space and ends with a carriage return and a newline; using it without (fix the variable where it is set)\n"
	if errOut != want {
		t.Fatalf("stderr:\n%s\nwant:\n%s", errOut, want)
	}
	if strings.Contains(out+errOut, p.srv.ClientSecret) {
		t.Fatal("the secret is printed")
	}
}

// --region must be eu or us whatever else is set; an explicit --region
// beats PORT_BASE_URL, and --api-url beats both.
func TestPullURLPrecedence(t *testing.T) {
	p := setup(t)
	if _, _, err := p.pull(func(o *Options) { o.Region = "mars" }); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), `unknown Port region "mars"`) {
		t.Fatalf("--region mars with PORT_BASE_URL set: %v", err)
	}
	// --api-url (the emulator) wins over PORT_BASE_URL (nothing listens).
	p.env["PORT_BASE_URL"] = "http://127.0.0.1:1"
	if out, _, err := p.pull(func(o *Options) { o.APIURL = p.srv.URL }); err != nil {
		t.Fatalf("--api-url should beat PORT_BASE_URL: %v\n%s", err, out)
	}
	if _, _, err := p.pull(func(o *Options) { o.RateLimitBudget = "soon" }); cmdutil.ExitCode(err) != cmdutil.ExitUsage ||
		!strings.Contains(err.Error(), `--rate-limit-budget: "soon" is not a duration`) {
		t.Fatalf("a bad budget: %v", err)
	}
	p.env[cmdutil.RateLimitBudgetEnv] = "-1m"
	if _, _, err := p.pull(nil); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), cmdutil.RateLimitBudgetEnv) {
		t.Fatalf("a bad budget in the environment: %v", err)
	}
}
