package portapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

const svcBP = `{"identifier": "svc", "title": "Service", "schema": {"properties": {"tier": {"type": "string", "enum": ["a", "b"]}}},
 "relations": {"dep": {"target": "svc", "required": false, "many": true}}}`

// fakeSleep records the waits instead of sleeping.
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	return ctx.Err()
}

func newClient(t *testing.T, srv *porttest.Server, mod func(*portapi.Config)) (*portapi.Client, *fakeSleep) {
	t.Helper()
	fs := &fakeSleep{}
	cfg := portapi.Config{BaseURL: srv.URL, ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, UserAgent: "port-gitops/test", Sleep: fs.sleep}
	if mod != nil {
		mod(&cfg)
	}
	c, err := portapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, fs
}

func server(t *testing.T, opts ...porttest.Option) *porttest.Server {
	srv := porttest.NewT(t, opts...)
	if err := srv.AddBlueprint(json.RawMessage(svcBP)); err != nil {
		t.Fatal(err)
	}
	return srv
}

func ent(id, tier string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"identifier": %q, "properties": {"tier": %q}}`, id, tier))
}

func count(srv *porttest.Server, method, suffix string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

func TestResolveBaseURL(t *testing.T) {
	cases := []struct{ flag, env, region, want, err string }{
		{"", "", "", "https://api.getport.io", ""},
		{"", "", "us", "https://api.us.getport.io", ""},
		{"", "", "mars", "", "unknown region"},
		{"", "https://api.port.io/v1/", "", "https://api.port.io", ""},
		{"https://flag.example/", "https://env.example", "", "https://flag.example", ""},
		{"http://127.0.0.1:8080/v1", "", "", "http://127.0.0.1:8080", ""},
		{"http://localhost:9", "", "", "http://localhost:9", ""},
		{"http://[::1]:9", "", "", "http://[::1]:9", ""},
		{"http://api.example.com", "", "", "", "clear text"},
		{"ftp://x", "", "", "", "not an http(s) URL"},
		{"not a url", "", "", "", "not an http(s) URL"},
	}
	for _, c := range cases {
		got, err := portapi.ResolveBaseURL(c.flag, c.env, c.region)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%+v: err %v, want %q", c, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%+v: got %q, %v", c, got, err)
		}
	}
}

func TestNoCredentials(t *testing.T) {
	if _, err := portapi.New(portapi.Config{ClientID: "x"}); !errors.Is(err, portapi.ErrNoCredentials) {
		t.Fatalf("got %v", err)
	}
}

func TestTokenCachedAndRefreshedOn401(t *testing.T) {
	srv := server(t)
	c, _ := newClient(t, srv, nil)
	ctx := context.Background()
	for range 3 {
		if _, err := c.GetBlueprint(ctx, "svc"); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(srv, "POST", "/auth/access_token"); n != 1 {
		t.Fatalf("token fetched %d times, want 1", n)
	}
	srv.ExpireTokens()
	if _, err := c.GetBlueprint(ctx, "svc"); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n := count(srv, "POST", "/auth/access_token"); n != 2 {
		t.Fatalf("token fetched %d times after expiry, want 2", n)
	}
}

func TestWrongSecret(t *testing.T) {
	srv := server(t)
	c, _ := newClient(t, srv, func(cfg *portapi.Config) { cfg.ClientSecret = "canary-wrong-secret" })
	_, err := c.GetBlueprint(context.Background(), "svc")
	if err == nil || !strings.Contains(err.Error(), "rejected the credentials") || strings.Contains(err.Error(), "canary-wrong-secret") {
		t.Fatalf("got %v", err)
	}
	if n := count(srv, "POST", "/auth/access_token"); n != 1 {
		t.Fatalf("rejected credentials were retried: %d token requests", n)
	}
}

func TestRetries(t *testing.T) {
	now := time.Now()
	cases := []struct {
		name     string
		fault    porttest.Fault
		wantWait time.Duration // the first wait, when it is fixed
	}{
		{"429 retry-after", porttest.Fault{Status: 429, RetryAfter: "2", Times: 2}, 2 * time.Second},
		{"429 reset in seconds", porttest.Fault{Status: 429, RateLimitReset: "3"}, 3 * time.Second},
		{"429 reset as epoch", porttest.Fault{Status: 429, RateLimitReset: strconv.FormatInt(now.Add(5*time.Second).Unix(), 10)}, -1},
		{"500", porttest.Fault{Status: 500}, 0},
		{"502", porttest.Fault{Status: 502, Times: 2}, 0},
		{"503", porttest.Fault{Status: 503}, 0},
		{"dropped connection", porttest.Fault{Drop: true}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := server(t)
			cl, fs := newClient(t, srv, nil)
			if _, err := cl.GetBlueprint(context.Background(), "svc"); err != nil { // token first
				t.Fatal(err)
			}
			f := c.fault
			f.Method, f.PathSuffix = "POST", "/entities/bulk"
			srv.Inject(f)
			res, err := cl.BulkUpsert(context.Background(), "svc", []json.RawMessage{ent("a", "a")}, portapi.UpsertOptions{Upsert: true})
			if err != nil || len(res) != 1 || res[0].Err != nil {
				t.Fatalf("err=%v res=%+v", err, res)
			}
			if len(fs.waits) == 0 {
				t.Fatal("no backoff between attempts")
			}
			switch {
			case c.wantWait > 0 && fs.waits[0] != c.wantWait:
				t.Fatalf("first wait %v, want %v", fs.waits[0], c.wantWait)
			case c.wantWait < 0 && (fs.waits[0] < 3*time.Second || fs.waits[0] > 6*time.Second):
				t.Fatalf("epoch reset: wait %v, want about 5s", fs.waits[0])
			}
			if _, ok := srv.Entity("svc", "a"); !ok {
				t.Fatal("entity not written after the retry")
			}
		})
	}
}

func TestRetriesAreBounded(t *testing.T) {
	srv := server(t)
	cl, _ := newClient(t, srv, func(c *portapi.Config) { c.Retry.MaxAttempts = 3 })
	srv.Inject(porttest.Fault{Method: "GET", PathSuffix: "/blueprints/svc", Status: 503, Times: 100})
	_, err := cl.GetBlueprint(context.Background(), "svc")
	var pe *portapi.Error
	if !errors.As(err, &pe) || pe.Status != 503 || !strings.Contains(err.Error(), "gave up after 3 attempts") {
		t.Fatalf("got %v", err)
	}
	if n := count(srv, "GET", "/blueprints/svc"); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
}

func TestContextCancelStopsRetrying(t *testing.T) {
	srv := server(t)
	ctx, cancel := context.WithCancel(context.Background())
	cl, _ := newClient(t, srv, func(c *portapi.Config) {
		c.Sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	})
	srv.Inject(porttest.Fault{Status: 503, Times: 100, PathSuffix: "/blueprints/svc"})
	if _, err := cl.GetBlueprint(ctx, "svc"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestTypedErrorWithTraceID(t *testing.T) {
	srv := server(t)
	cl, _ := newClient(t, srv, nil)
	_, err := cl.Upsert(context.Background(), "svc", ent("a", "zzz"), portapi.UpsertOptions{Upsert: true})
	var pe *portapi.Error
	if !errors.As(err, &pe) || pe.Status != 422 || pe.Code != "blueprint_schema_mismatch" || !strings.HasPrefix(pe.TraceID, "trace-") {
		t.Fatalf("got %#v", err)
	}
	if n := count(srv, "POST", "/svc/entities"); n != 1 {
		t.Fatalf("a 422 was retried: %d requests", n)
	}
	if _, err := cl.GetBlueprint(context.Background(), "missing"); !portapi.IsNotFound(err) {
		t.Fatalf("want not found, got %v", err)
	}
}

func TestBulkUpsertBatchesAndPartialResults(t *testing.T) {
	srv := server(t)
	cl, _ := newClient(t, srv, nil)
	var ents []json.RawMessage
	for i := range 45 {
		tier := "a"
		if i == 7 || i == 31 {
			tier = "bad"
		}
		ents = append(ents, ent(fmt.Sprintf("e%02d", i), tier))
	}
	res, err := cl.BulkUpsert(context.Background(), "svc", ents, portapi.UpsertOptions{Upsert: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(srv, "POST", "/entities/bulk"); n != 3 {
		t.Fatalf("%d bulk requests for 45 entities, want 3", n)
	}
	if len(res) != 45 {
		t.Fatalf("%d results, want 45", len(res))
	}
	failed := map[int]bool{}
	for _, r := range res {
		if r.Err != nil {
			failed[r.Index] = true
			if r.Err.Code != "blueprint_schema_mismatch" {
				t.Errorf("item %d: %v", r.Index, r.Err)
			}
		} else if !r.Created || r.Identifier != fmt.Sprintf("e%02d", r.Index) {
			t.Errorf("item %d: %+v", r.Index, r)
		}
	}
	if len(failed) != 2 || !failed[7] || !failed[31] {
		t.Fatalf("failed items %v, want 7 and 31", failed)
	}
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/entities/bulk") && (r.Query.Get("upsert") != "true" || r.Query.Get("merge") != "false" || r.Query.Get("validation_only") != "false" || r.Query.Get("create_missing_related_entities") != "false") {
			t.Fatalf("query flags not explicit: %v", r.Query)
		}
	}
}

func TestBulkUpsert413Splits(t *testing.T) {
	srv := server(t, porttest.WithMaxBody(600))
	cl, _ := newClient(t, srv, nil)
	var ents []json.RawMessage
	for i := range 8 {
		ents = append(ents, ent(fmt.Sprintf("e%d", i), "a"))
	}
	huge := json.RawMessage(fmt.Sprintf(`{"identifier": "huge", "title": %q}`, strings.Repeat("x", 700)))
	ents = append(ents, huge)
	res, err := cl.BulkUpsert(context.Background(), "svc", ents, portapi.UpsertOptions{Upsert: true})
	if err != nil {
		t.Fatal(err)
	}
	ok, tooBig := 0, 0
	for _, r := range res {
		switch {
		case r.Err == nil:
			ok++
		case r.Err.Status == 413 && r.Index == 8:
			tooBig++
		default:
			t.Errorf("unexpected %+v", r)
		}
	}
	if ok != 8 || tooBig != 1 || len(srv.Entities("svc")) != 8 {
		t.Fatalf("ok=%d tooBig=%d stored=%d", ok, tooBig, len(srv.Entities("svc")))
	}
}

func TestDeletesAndEscaping(t *testing.T) {
	srv := server(t)
	cl, _ := newClient(t, srv, nil)
	ctx := context.Background()
	odd := "team/a b#c:ü"
	if _, err := cl.Upsert(ctx, "svc", json.RawMessage(`{"identifier": "team/a+b", "properties": {}}`), portapi.UpsertOptions{Upsert: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.GetEntity(ctx, "svc", "team/a+b"); err != nil {
		t.Fatalf("get with a slash: %v", err)
	}
	if err := cl.DeleteEntity(ctx, "svc", odd, false); err != nil {
		t.Fatalf("delete of a missing entity should count as done: %v", err)
	}
	for _, r := range srv.Requests() {
		if r.Method == "DELETE" && r.Path != "/v1/blueprints/svc/entities/"+odd {
			t.Fatalf("identifier not escaped: %s", r.Path)
		}
	}
	var ids []string
	for i := range 150 {
		id := fmt.Sprintf("d%03d", i)
		ids = append(ids, id)
		if err := srv.PutEntity("svc", ent(id, "a")); err != nil {
			t.Fatal(err)
		}
	}
	deleted, err := cl.BulkDelete(ctx, "svc", ids, false)
	if err != nil || len(deleted) != 150 {
		t.Fatalf("deleted %d: %v", len(deleted), err)
	}
	if n := count(srv, "POST", "/bulk/entities/delete"); n != 2 {
		t.Fatalf("%d bulk delete requests for 150, want 2", n)
	}
}

func TestDependentsBlockDelete(t *testing.T) {
	srv := server(t)
	cl, _ := newClient(t, srv, nil)
	ctx := context.Background()
	_ = srv.PutEntity("svc", json.RawMessage(`{"identifier": "base", "properties": {}}`))
	_ = srv.PutEntity("svc", json.RawMessage(`{"identifier": "user", "relations": {"dep": ["base"]}}`))
	err := cl.DeleteEntity(ctx, "svc", "base", false)
	var pe *portapi.Error
	if !errors.As(err, &pe) || pe.Code != "has_dependents" {
		t.Fatalf("got %v", err)
	}
	if err := cl.DeleteEntity(ctx, "svc", "base", true); err != nil {
		t.Fatal(err)
	}
	if len(srv.Entities("svc")) != 0 {
		t.Fatal("dependents not deleted")
	}
}

func TestSearchPages(t *testing.T) {
	srv := server(t)
	cl, _ := newClient(t, srv, nil)
	for i := range 2500 {
		_ = srv.PutEntity("svc", ent(fmt.Sprintf("s%04d", i), "a"))
	}
	seen := map[string]bool{}
	err := cl.SearchEntities(context.Background(), "svc", nil, func(raw json.RawMessage) error {
		var e struct{ Identifier string }
		_ = json.Unmarshal(raw, &e)
		seen[e.Identifier] = true
		return nil
	})
	if err != nil || len(seen) != 2500 {
		t.Fatalf("saw %d: %v", len(seen), err)
	}
	if n := count(srv, "POST", "/entities/search"); n != 3 {
		t.Fatalf("%d pages, want 3", n)
	}
}

func TestRedirectDropsAuthorization(t *testing.T) {
	var gotAuth string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		w.Write([]byte(`{"ok": true, "blueprint": {"identifier": "svc"}}`))
	}))
	defer other.Close()
	srv := server(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/auth/access_token" {
			w.Write([]byte(`{"ok": true, "accessToken": "canary-token-77", "expiresIn": 3600, "tokenType": "Bearer"}`))
			return
		}
		// Another host: localhost instead of 127.0.0.1.
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+r.URL.Path, http.StatusFound)
	}))
	defer front.Close()
	cl, _ := newClient(t, srv, func(c *portapi.Config) { c.BaseURL = front.URL })
	if _, err := cl.GetBlueprint(context.Background(), "svc"); err != nil {
		t.Fatal(err)
	}
	if gotAuth != "" {
		t.Fatalf("Authorization followed the redirect to another host: %q", gotAuth)
	}
}

// A canary secret and token never appear in errors or request logs, on any
// path: success, rejection, retries, failures.
func TestSecretsNeverLogged(t *testing.T) {
	srv := server(t)
	var logs []string
	var mu sync.Mutex
	logf := func(format string, args ...any) {
		mu.Lock()
		logs = append(logs, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	cl, _ := newClient(t, srv, func(c *portapi.Config) { c.Logf = logf })
	ctx := context.Background()
	var errs []error
	srv.Inject(porttest.Fault{Status: 503, PathSuffix: "/blueprints/svc"})
	_, err := cl.GetBlueprint(ctx, "svc")
	errs = append(errs, err)
	_, err = cl.BulkUpsert(ctx, "svc", []json.RawMessage{ent("x", "bad")}, portapi.UpsertOptions{Upsert: true})
	errs = append(errs, err)
	_, err = cl.Upsert(ctx, "svc", ent("x", "bad"), portapi.UpsertOptions{})
	errs = append(errs, err)
	srv.ExpireTokens()
	_, err = cl.GetEntity(ctx, "svc", "nope")
	errs = append(errs, err)
	bad, _ := newClient(t, srv, func(c *portapi.Config) { c.Logf = logf; c.ClientSecret = "canary-secret-11" })
	_, err = bad.GetBlueprint(ctx, "svc")
	errs = append(errs, err)
	all := strings.Join(logs, "\n")
	for _, e := range errs {
		if e != nil {
			all += "\n" + e.Error()
		}
	}
	if len(logs) == 0 {
		t.Fatal("no request was logged")
	}
	for _, secret := range []string{srv.ClientSecret, "canary-secret-11", "tok-"} {
		if strings.Contains(all, secret) {
			t.Fatalf("%q appears in logs or errors:\n%s", secret, all)
		}
	}
}

func TestUserAgent(t *testing.T) {
	var ua string
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua = r.Header.Get("User-Agent")
		w.Write([]byte(`{"ok": true, "accessToken": "t", "expiresIn": 3600}`))
	}))
	defer front.Close()
	cl, _ := portapi.New(portapi.Config{BaseURL: front.URL, ClientID: "a", ClientSecret: "b", UserAgent: "port-gitops/1.2.3"})
	_, _ = cl.ListBlueprints(context.Background())
	if ua != "port-gitops/1.2.3" {
		t.Fatalf("User-Agent %q", ua)
	}
}
