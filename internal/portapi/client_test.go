package portapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

func TestResolveBaseURL(t *testing.T) {
	cases := []struct {
		flag, env, region string
		want              string
		err               string
	}{
		{"", "", "", EUBaseURL, ""},
		{"", "", "eu", EUBaseURL, ""},
		{"", "", "US", USBaseURL, ""},
		{"", "", "ap", "", "valid: eu, us"},
		{"https://flag.example.com", "https://env.example.com", "us", "https://flag.example.com", ""},
		{"", "https://env.example.com/", "", "https://env.example.com", ""},
		{"", "https://env.example.com/", "us", USBaseURL, ""}, // an explicit --region beats PORT_BASE_URL
		{"", "https://env.example.com/", "mars", "", "valid: eu, us"},
		{"https://flag.example.com", "", "mars", "", "valid: eu, us"},
		{"", "https://api.getport.io/v1", "", "https://api.getport.io", ""},
		{"", "https://api.getport.io/v1/", "", "https://api.getport.io", ""},
		{"", "https://API.example.com:8443/port/v1", "", "https://api.example.com:8443/port", ""},
		{"http://127.0.0.1:8080/v1", "", "", "http://127.0.0.1:8080", ""},
		{"http://127.3.2.1", "", "", "http://127.3.2.1", ""},
		{"http://localhost:9", "", "", "http://localhost:9", ""},
		{"http://[::1]:9/", "", "", "http://[::1]:9", ""},
		{"http://api.getport.io", "", "", "", "clear text"},
		{"http://10.0.0.1", "", "", "", "clear text"},
		{"ftp://api.getport.io", "", "", "", "must start with https://"},
		{"api.getport.io", "", "", "", "must start with https://"},
		{"https://", "", "", "", "has no host"},
		{"https://exa mple.com", "", "", "", "not a valid URL"},
		{"https://api.getport.io/?x=1", "", "", "", "query"},
		{"", "https://id:hunter2@api.getport.io", "", "", "user information"},
	}
	for _, tc := range cases {
		got, err := ResolveBaseURL(tc.flag, tc.env, tc.region)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ResolveBaseURL(%q, %q, %q) = %q, %v; want %q", tc.flag, tc.env, tc.region, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ResolveBaseURL(%q, %q, %q) = %q, %v; want an error with %q", tc.flag, tc.env, tc.region, got, err, tc.err)
		case err != nil && strings.Contains(err.Error(), "hunter2"):
			t.Errorf("the error repeats a password: %v", err)
		}
	}
}

func TestNewNeedsCredentials(t *testing.T) {
	for _, tc := range []struct{ id, secret, names string }{
		{"", "", "PORT_CLIENT_ID and PORT_CLIENT_SECRET"},
		{"id", "", "PORT_CLIENT_SECRET is empty"},
		{"  ", "s", "PORT_CLIENT_ID is empty"},
	} {
		_, err := New(Config{ClientID: tc.id, ClientSecret: tc.secret})
		if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), tc.names) {
			t.Errorf("New(%q, %q): %v", tc.id, tc.secret, err)
		}
	}
	if _, err := New(Config{BaseURL: "http://api.example.com", ClientID: "i", ClientSecret: "s"}); err == nil || !strings.Contains(err.Error(), "clear text") {
		t.Errorf("New with an http base URL: %v", err)
	}
	c, err := New(Config{ClientID: "i", ClientSecret: "s"})
	if err != nil || c.BaseURL() != EUBaseURL {
		t.Fatalf("default base URL: %v %v", c, err)
	}
}

func TestTokenIsFetchedOnceAndShared(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	// Hold the token answer so that every caller is waiting for it.
	srv.Inject(porttest.Fault{PathSuffix: "/auth/access_token", Latency: 50 * time.Millisecond})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetBlueprint(context.Background(), "svc")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.ListBlueprints(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(srv, "POST", "/auth/access_token"); n != 1 {
		t.Fatalf("%d token requests, want 1 shared by all callers", n)
	}
	for _, r := range srv.Requests() {
		if r.Path == "/v1/auth/access_token" {
			var body map[string]string
			if err := json.Unmarshal(r.Body, &body); err != nil || body["clientId"] != srv.ClientID || body["clientSecret"] != srv.ClientSecret || len(body) != 2 {
				t.Fatalf("token request body %s", r.Body)
			}
			if r.AuthHeader {
				t.Fatal("the token request carried an Authorization header")
			}
			continue
		}
		if !r.Authorized || r.UserAgent != "port-gitops/test" {
			t.Fatalf("request %s %s: authorized=%v user agent %q", r.Method, r.Path, r.Authorized, r.UserAgent)
		}
	}
}

func TestTokenRefreshedWhenExpired(t *testing.T) {
	srv := newServer(t, porttest.WithTokenTTL(time.Hour))
	c, clk := newClient(t, srv, nil)
	ctx := context.Background()
	if _, err := c.ListBlueprints(ctx); err != nil {
		t.Fatal(err)
	}
	clk.advance(50 * time.Minute)
	if _, err := c.ListBlueprints(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(srv, "POST", "/auth/access_token"); n != 1 {
		t.Fatalf("%d token requests before expiry, want 1", n)
	}
	clk.advance(10 * time.Minute) // within the last minutes: refresh early
	if _, err := c.ListBlueprints(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(srv, "POST", "/auth/access_token"); n != 2 {
		t.Fatalf("%d token requests after expiry, want 2", n)
	}
}

func TestTokenRefetchedOnceOn401(t *testing.T) {
	srv := newServer(t)
	c, clk := newClient(t, srv, nil)
	ctx := context.Background()
	if _, err := c.ListBlueprints(ctx); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	srv.Inject(porttest.Fault{Method: "GET", PathSuffix: "/blueprints/svc", ExpireToken: true})
	if _, err := c.GetBlueprint(ctx, "svc"); err != nil {
		t.Fatalf("after the token expired: %v", err)
	}
	var seq []string
	for _, r := range srv.Requests() {
		seq = append(seq, fmt.Sprintf("%s %s %v", r.Method, r.Path, r.Authorized))
	}
	want := []string{"GET /v1/blueprints/svc false", "POST /v1/auth/access_token false", "GET /v1/blueprints/svc true"}
	if !reflect.DeepEqual(seq, want) {
		t.Fatalf("requests %v, want %v", seq, want)
	}
	if w := clk.recorded(); len(w) != 0 {
		t.Fatalf("a 401 refresh should not wait: %v", w)
	}

	// A token refused twice in a row is an error, not a loop.
	srv.ResetRequests()
	srv.Inject(porttest.Fault{Method: "GET", PathSuffix: "/blueprints/svc", Status: 401, Times: 10})
	_, err := c.GetBlueprint(ctx, "svc")
	if StatusOf(err) != 401 || IsCredentialsRejected(err) {
		t.Fatalf("got %v", err)
	}
	if n := count(srv, "GET", "/blueprints/svc"); n != 2 {
		t.Fatalf("%d attempts, want 2 (one retry with a new token)", n)
	}
}

func TestCredentialsRejected(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, func(cfg *Config) { cfg.ClientSecret = "wrong" })
	_, err := c.GetBlueprint(context.Background(), "svc")
	var ce *CredentialsError
	if !errors.As(err, &ce) || ce.Err.Status != 401 || ce.Err.TraceID == "" || !IsCredentialsRejected(err) {
		t.Fatalf("got %#v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "Port rejected the credentials") || !strings.Contains(msg, "PORT_CLIENT_ID") {
		t.Fatalf("message: %s", msg)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests, want only the token request (no retry, no API call)", n)
	}
}

func TestRetries(t *testing.T) {
	cases := []struct {
		name  string
		fault porttest.Fault
		wait  time.Duration
	}{
		{"429 Retry-After seconds", porttest.Fault{Status: 429, RetryAfter: "3"}, 3 * time.Second},
		{"429 Retry-After date", porttest.Fault{Status: 429, RetryAfter: epoch.Add(9 * time.Second).UTC().Format(http.TimeFormat)}, 9 * time.Second},
		{"429 Retry-After capped", porttest.Fault{Status: 429, RetryAfter: "3600"}, 30 * time.Second},
		{"429 x-ratelimit-reset seconds", porttest.Fault{Status: 429, RateLimitReset: "7"}, 7 * time.Second},
		{"429 x-ratelimit-reset epoch", porttest.Fault{Status: 429, RateLimitReset: strconv.FormatInt(epoch.Unix()+12, 10)}, 12 * time.Second},
		// A reset already past waits the base delay, never a busy loop.
		{"429 x-ratelimit-reset epoch past", porttest.Fault{Status: 429, RateLimitReset: strconv.FormatInt(epoch.Unix()-60, 10)}, time.Second},
		{"429 Retry-After 0", porttest.Fault{Status: 429, RetryAfter: "0"}, time.Second},
		{"429 Retry-After beats x-ratelimit-reset", porttest.Fault{Status: 429, RetryAfter: "2", RateLimitReset: "20"}, 2 * time.Second},
		{"500", porttest.Fault{Status: 500}, time.Second},
		{"502", porttest.Fault{Status: 502}, time.Second},
		{"503", porttest.Fault{Status: 503}, time.Second},
		{"503 Retry-After", porttest.Fault{Status: 503, RetryAfter: "4"}, 4 * time.Second},
		{"504", porttest.Fault{Status: 504}, time.Second},
		{"500 ignores x-ratelimit-reset", porttest.Fault{Status: 500, RateLimitReset: "20"}, time.Second},
		{"dropped connection", porttest.Fault{Drop: true}, time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			c, clk := newClient(t, srv, nil)
			tc.fault.Method, tc.fault.PathSuffix = "POST", "/entities/bulk"
			srv.Inject(tc.fault)
			res, err := c.BulkUpsert(context.Background(), "svc", []json.RawMessage{ent("a", "a")}, UpsertOptions{Upsert: true})
			if err != nil || len(res) != 1 || res[0].Err != nil {
				t.Fatalf("got %v, %v", res, err)
			}
			if n := count(srv, "POST", "/entities/bulk"); n != 2 {
				t.Fatalf("%d attempts, want 2", n)
			}
			if w := clk.recorded(); !reflect.DeepEqual(w, []time.Duration{tc.wait}) {
				t.Fatalf("waits %v, want [%v]", w, tc.wait)
			}
			if _, ok := srv.Entity("svc", "a"); !ok {
				t.Fatal("not written after the retry")
			}
		})
	}
}

func TestBackoffIsExponentialWithFullJitter(t *testing.T) {
	srv := newServer(t)
	c, clk := newClient(t, srv, func(cfg *Config) {
		cfg.Retry = RetryPolicy{MaxAttempts: 7, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, MaxElapsed: time.Hour}
	})
	var ceilings []time.Duration
	c.jitter = func(n int64) int64 {
		ceilings = append(ceilings, time.Duration(n-1))
		return n / 3
	}
	srv.Inject(porttest.Fault{Method: "GET", Status: 503, Times: 100})
	_, err := c.ListBlueprints(context.Background())
	if StatusOf(err) != 503 || !strings.Contains(err.Error(), "gave up after 7 attempts") {
		t.Fatalf("got %v", err)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}
	if !reflect.DeepEqual(ceilings, want) {
		t.Fatalf("backoff ceilings %v, want %v", ceilings, want)
	}
	for i, w := range clk.recorded() {
		if w != (want[i]+1)/3 {
			t.Fatalf("wait %d is %v: the jittered value should be used", i, w)
		}
	}
	if n := count(srv, "GET", "/v1/blueprints"); n != 7 {
		t.Fatalf("%d attempts, want 7", n)
	}
}

func TestJitterStaysWithinTheCeiling(t *testing.T) {
	c, err := New(Config{ClientID: "i", ClientSecret: "s", Retry: RetryPolicy{BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt <= 8; attempt++ {
		ceiling := min(10*time.Millisecond<<(attempt-1), 50*time.Millisecond)
		for range 200 {
			if d := c.backoff(attempt); d < 0 || d > ceiling {
				t.Fatalf("attempt %d: wait %v outside [0, %v]", attempt, d, ceiling)
			}
		}
	}
	if d := c.backoff(500); d < 0 || d > 50*time.Millisecond {
		t.Fatalf("a huge attempt number: %v", d)
	}
}

func TestRetriesBoundedByElapsedTime(t *testing.T) {
	srv := newServer(t)
	c, clk := newClient(t, srv, func(cfg *Config) {
		cfg.Retry = RetryPolicy{MaxAttempts: 100, MaxElapsed: 10 * time.Second, BaseDelay: time.Second, MaxDelay: time.Minute}
	})
	srv.Inject(porttest.Fault{Method: "GET", Status: 502, Times: 100})
	_, err := c.ListBlueprints(context.Background())
	if StatusOf(err) != 502 || !strings.Contains(err.Error(), "retry budget of 10s") {
		t.Fatalf("got %v", err)
	}
	// Attempts at 0, 1, 3 and 7 s; a wait of 8 s more would pass the budget.
	if n := count(srv, "GET", "/v1/blueprints"); n != 4 {
		t.Fatalf("%d attempts, want 4", n)
	}
	if w := clk.recorded(); !reflect.DeepEqual(w, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}) {
		t.Fatalf("waits %v", w)
	}
}

func TestNonRetryableErrorIsTyped(t *testing.T) {
	srv := newServer(t)
	c, clk := newClient(t, srv, nil)
	ctx := context.Background()
	_, err := c.Upsert(ctx, "svc", json.RawMessage(`{"identifier": "x", "properties": {"tier": "gold"}}`), UpsertOptions{Upsert: true})
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("got %T %v", err, err)
	}
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	if pe.Status != 422 || pe.Code != "blueprint_schema_mismatch" || !strings.Contains(pe.Message, `"tier"`) ||
		pe.TraceID != last.TraceID || pe.Method != "POST" || pe.Path != "/v1/blueprints/svc/entities" {
		t.Fatalf("error %+v (trace of the request %s)", pe, last.TraceID)
	}
	want := fmt.Sprintf("port api: POST /v1/blueprints/svc/entities: 422 blueprint_schema_mismatch: %s (trace id %s)", pe.Message, pe.TraceID)
	if err.Error() != want {
		t.Fatalf("Error()\n got %s\nwant %s", err, want)
	}
	if count(srv, "POST", "/entities") != 1 || len(clk.recorded()) != 0 {
		t.Fatal("a 422 must not be retried")
	}
	if _, err := c.GetEntity(ctx, "svc", "nope"); !IsNotFound(err) || CodeOf(err) != "not_found" {
		t.Fatalf("missing entity: %v", err)
	}
	if _, err := c.Upsert(ctx, "svc", ent("y", "a"), UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Upsert(ctx, "svc", ent("y", "a"), UpsertOptions{}); !IsConflict(err) || CodeOf(err) != "identifier_taken" {
		t.Fatalf("existing entity without upsert: %v", err)
	}
	// A body that is not Port's JSON still gives a typed error.
	srv.Inject(porttest.Fault{Method: "GET", Status: 403, Body: "<html>forbidden</html>"})
	_, err = c.ListBlueprints(ctx)
	if !errors.As(err, &pe) || pe.Status != 403 || pe.Message != "Forbidden" || pe.TraceID == "" {
		t.Fatalf("non-JSON error: %v", err)
	}
}

func TestContextCancellation(t *testing.T) {
	t.Run("while waiting to retry", func(t *testing.T) {
		srv := newServer(t)
		c, clk := newClient(t, srv, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		clk.onSleep = cancel
		srv.Inject(porttest.Fault{Method: "GET", Status: 503, Times: 10})
		_, err := c.ListBlueprints(ctx)
		var pe *Error
		if !errors.Is(err, context.Canceled) || errors.As(err, &pe) || !strings.Contains(err.Error(), "503") {
			t.Fatalf("got %v", err)
		}
		if n := count(srv, "GET", "/v1/blueprints"); n != 1 {
			t.Fatalf("%d attempts after cancel", n)
		}
	})
	t.Run("in flight", func(t *testing.T) {
		srv := newServer(t)
		c, _ := newClient(t, srv, nil)
		if _, err := c.ListBlueprints(context.Background()); err != nil {
			t.Fatal(err)
		}
		srv.Inject(porttest.Fault{Method: "GET", Latency: time.Hour})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := c.ListBlueprints(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v", err)
		}
		if n := count(srv, "GET", "/v1/blueprints"); n != 2 {
			t.Fatalf("%d requests, want no retry after the deadline", n)
		}
	})
	t.Run("before", func(t *testing.T) {
		srv := newServer(t)
		c, _ := newClient(t, srv, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.ListBlueprints(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Fatalf("%d requests with a cancelled context", n)
		}
	})
}

func TestConnectionRefusedIsRetriedThenReported(t *testing.T) {
	srv := newServer(t)
	url := srv.URL
	srv.Close()
	c, err := New(Config{BaseURL: url, ClientID: "i", ClientSecret: "s", Retry: RetryPolicy{MaxAttempts: 3}})
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{t: epoch}
	c.now, c.sleep = clk.now, clk.sleep
	_, err = c.ListBlueprints(context.Background())
	if err == nil || !strings.Contains(err.Error(), "connect") || !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), "access token") {
		t.Fatalf("got %v", err)
	}
	if len(clk.recorded()) != 2 {
		t.Fatalf("waits %v", clk.recorded())
	}
}

// redirector is Port's origin sending some routes to another origin.
func redirector(t *testing.T, target string) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/access_token", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ok": true, "accessToken": "tok", "expiresIn": 3600, "tokenType": "Bearer"}`)
	})
	mux.HandleFunc("GET /v1/blueprints/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+"/v1/blueprints/moved", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("POST /v1/blueprints", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+"/v1/blueprints", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("GET /v1/blueprints/local", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v1/blueprints/here", http.StatusFound)
	})
	mux.HandleFunc("GET /v1/blueprints/here", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, `{"ok": false, "error": "unauthorized"}`, 401)
			return
		}
		fmt.Fprint(w, `{"ok": true, "blueprint": {"identifier": "here"}}`)
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestRedirectsNeverCarryCredentialsElsewhere(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s auth=%q body=%q", r.Method, r.URL.Path, r.Header.Get("Authorization"), body))
		mu.Unlock()
		fmt.Fprint(w, `{"ok": true, "blueprint": {"identifier": "moved"}}`)
	}))
	defer other.Close()
	origin := redirector(t, other.URL)
	c, err := New(Config{BaseURL: origin.URL, ClientID: "i", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if bp, err := c.GetBlueprint(ctx, "moved"); err != nil || !strings.Contains(string(bp), "moved") {
		t.Fatalf("redirected GET: %s %v", bp, err)
	}
	if err := c.CreateBlueprint(ctx, json.RawMessage(`{"identifier": "x"}`)); err == nil || !strings.Contains(err.Error(), "refusing to re-send a request body") {
		t.Fatalf("redirected POST: %v", err)
	}
	if bp, err := c.GetBlueprint(ctx, "local"); err != nil || !strings.Contains(string(bp), "here") {
		t.Fatalf("a redirect on the same origin keeps the token: %s %v", bp, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(seen, []string{`GET /v1/blueprints/moved auth="" body=""`}) {
		t.Fatalf("the other host saw %q", seen)
	}
}

func TestLogLines(t *testing.T) {
	srv := newServer(t)
	var mu sync.Mutex
	var lines []string
	c, _ := newClient(t, srv, func(cfg *Config) {
		cfg.Logf = func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			lines = append(lines, fmt.Sprintf(format, args...))
		}
	})
	srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/entities/bulk", Status: 503, RetryAfter: "2"})
	if _, err := c.BulkUpsert(context.Background(), "svc", []json.RawMessage{ent("a", "a")}, UpsertOptions{Upsert: true, Merge: true}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(lines) != len(reqs) || len(lines) != 3 {
		t.Fatalf("%d lines for %d requests:\n%s", len(lines), len(reqs), strings.Join(lines, "\n"))
	}
	q := "?create_missing_related_entities=false&merge=true&upsert=true&validation_only=false"
	want := []string{
		"POST /v1/auth/access_token -> 200 in ",
		"POST /v1/blueprints/svc/entities/bulk" + q + " -> 503 in ",
		"POST /v1/blueprints/svc/entities/bulk" + q + " -> 200 in ",
	}
	attempts := []int{1, 1, 2}
	for i, l := range lines {
		if !strings.HasPrefix(l, want[i]) || !strings.Contains(l, "trace id "+reqs[i].TraceID) || !strings.Contains(l, fmt.Sprintf("attempt %d", attempts[i])) {
			t.Errorf("line %d: %s", i, l)
		}
		if strings.Contains(l, "Bearer") || strings.Contains(l, srv.ClientSecret) {
			t.Errorf("line %d holds a credential: %s", i, l)
		}
	}
	if !strings.HasSuffix(lines[1], "retrying in 2s)") {
		t.Errorf("the retried request's line should say when it retries: %s", lines[1])
	}
}

func TestRequestTimeoutIsRetried(t *testing.T) {
	srv := newServer(t)
	c, clk := newClient(t, srv, func(cfg *Config) { cfg.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond} })
	if _, err := c.ListBlueprints(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.Inject(porttest.Fault{Method: "GET", Latency: time.Hour})
	if _, err := c.ListBlueprints(context.Background()); err != nil {
		t.Fatalf("a request that timed out once should succeed on retry: %v", err)
	}
	if n := count(srv, "GET", "/v1/blueprints"); n != 3 || len(clk.recorded()) != 1 {
		t.Fatalf("%d requests, waits %v", n, clk.recorded())
	}
}
