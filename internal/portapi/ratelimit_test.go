package portapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

// lines collects Config.Notify's lines.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.l = append(l.l, s)
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.l...)
}

// A storm of 429s with Retry-After: 1, longer than the attempt bound, on
// the token request and on a bulk request: the calls succeed, each wait is
// what Port asked and is told once.
func TestRateLimitStormIsRiddenOut(t *testing.T) {
	srv := newServer(t)
	var told lines
	c, clk := newClient(t, srv, func(cfg *Config) {
		cfg.Retry = RetryPolicy{BaseDelay: 100 * time.Millisecond} // MaxAttempts: the default 6
		cfg.Notify = told.add
	})
	srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/auth/access_token", Status: 429, RetryAfter: "1", Times: 9})
	srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/entities/bulk", Status: 429, RetryAfter: "1", Times: 10})
	res, err := c.BulkUpsert(context.Background(), "svc", []json.RawMessage{ent("a", "a")}, UpsertOptions{Upsert: true})
	if err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("got %v, %v", res, err)
	}
	if n := count(srv, "POST", "/auth/access_token"); n != 10 {
		t.Fatalf("%d token requests, want 10", n)
	}
	if n := count(srv, "POST", "/entities/bulk"); n != 11 {
		t.Fatalf("%d bulk requests, want 11", n)
	}
	waits := clk.recorded()
	if len(waits) != 19 {
		t.Fatalf("%d waits, want 19: %v", len(waits), waits)
	}
	for i, w := range waits {
		if w != time.Second {
			t.Fatalf("wait %d is %v, want Retry-After's 1s", i, w)
		}
	}
	got := told.all()
	if len(got) != 19 {
		t.Fatalf("%d lines told for 19 waits:\n%s", len(got), strings.Join(got, "\n"))
	}
	for _, l := range got {
		if l != "rate limited by Port, waiting 1s" {
			t.Fatalf("line %q", l)
		}
	}
	if _, ok := srv.Entity("svc", "a"); !ok {
		t.Fatal("not written after the storm")
	}
}

// The same storm with several bulk requests in flight and the real clock
// (waits capped at 20 ms): every batch lands, and waits that overlap are
// told once.
func TestRateLimitStormConcurrent(t *testing.T) {
	srv := newServer(t)
	var told lines
	c, err := New(Config{BaseURL: srv.URL, ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, Concurrency: 4,
		Retry: RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}, Notify: told.add})
	if err != nil {
		t.Fatal(err)
	}
	srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/entities/bulk", Status: 429, RetryAfter: "1", Times: 32})
	var ents []json.RawMessage
	for i := range 80 {
		ents = append(ents, ent(fmt.Sprintf("e%02d", i), "a"))
	}
	res, err := c.BulkUpsert(context.Background(), "svc", ents, UpsertOptions{Upsert: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if n := len(srv.Entities("svc")); n != 80 {
		t.Fatalf("%d entities in Port, want 80", n)
	}
	got := told.all()
	if len(got) == 0 || len(got) > 32 {
		t.Fatalf("%d lines for 32 rate-limited answers", len(got))
	}
	for _, l := range got {
		if l != "rate limited by Port, waiting 20ms" {
			t.Fatalf("line %q", l)
		}
	}
}

func TestRateLimitBudgetSpent(t *testing.T) {
	srv := newServer(t)
	var told lines
	c, clk := newClient(t, srv, func(cfg *Config) {
		cfg.Retry = RetryPolicy{MaxAttempts: 2, RateLimitBudget: 10 * time.Second}
		cfg.Notify = told.add
	})
	srv.Inject(porttest.Fault{Method: "GET", Status: 429, RetryAfter: "4", Times: 100})
	_, err := c.ListBlueprints(context.Background())
	if StatusOf(err) != 429 || !errors.Is(err, ErrRateLimitBudget) ||
		!strings.Contains(err.Error(), "GET /v1/blueprints: 429") ||
		!strings.HasSuffix(err.Error(), "(still rate limited after waiting 8s in all; the rate-limit budget is 10s)") {
		t.Fatalf("got %v", err)
	}
	// Attempts at 0, 4 and 8 s, past the attempt bound of 2; a wait to 12 s
	// would pass the budget.
	if n := count(srv, "GET", "/v1/blueprints"); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
	if w := clk.recorded(); len(w) != 2 || len(told.all()) != 2 {
		t.Fatalf("waits %v, told %q", w, told.all())
	}
	// The budget is the client's: the next request is not given a new one.
	srv.ClearFaults()
	srv.Inject(porttest.Fault{Method: "GET", Status: 429, RetryAfter: "4"})
	if _, err := c.ListBlueprints(context.Background()); !errors.Is(err, ErrRateLimitBudget) {
		t.Fatalf("a second request after the budget was spent: %v", err)
	}
}

// Waits that overlap in time count once against the budget, and one that
// falls within a wait already told is not told again.
func TestRateLimitWaitsOverlapOnce(t *testing.T) {
	c, err := New(Config{ClientID: "i", ClientSecret: "s", Retry: RetryPolicy{RateLimitBudget: 12 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{t: epoch}
	c.now = clk.now
	steps := []struct {
		advance, wait time.Duration
		announce      bool
		spent         time.Duration
		ok            bool
	}{
		{0, 5 * time.Second, true, 5 * time.Second, true},
		{0, 5 * time.Second, false, 5 * time.Second, true},                             // a second request waiting the same window
		{time.Second, 5 * time.Second, true, 6 * time.Second, true},                    // extends it by 1 s
		{5 * time.Second, 5 * time.Second, true, 11 * time.Second, true},               // the storm goes on
		{5 * time.Second, 2 * time.Second, false, 11 * time.Second, false},             // past the 12 s budget
		{0, 500 * time.Millisecond, true, 11*time.Second + 500*time.Millisecond, true}, // what fits still goes
	}
	for i, s := range steps {
		clk.advance(s.advance)
		announce, spent, ok := c.reserveRateLimit(s.wait)
		if ok != s.ok || spent != s.spent || (ok && announce != s.announce) {
			t.Fatalf("step %d: announce %v, spent %v, ok %v; want %v, %v, %v", i, announce, spent, ok, s.announce, s.spent, s.ok)
		}
	}
}

// Other failures keep their attempt bound, and each wait says why.
func TestRetryLinesForServerAndNetworkFailures(t *testing.T) {
	t.Run("5xx", func(t *testing.T) {
		srv := newServer(t)
		var told lines
		c, _ := newClient(t, srv, func(cfg *Config) { cfg.Notify = told.add })
		srv.Inject(porttest.Fault{Method: "GET", Status: 502, Times: 100})
		_, err := c.ListBlueprints(context.Background())
		if !strings.Contains(err.Error(), "gave up after 6 attempts") {
			t.Fatalf("got %v", err)
		}
		got := told.all()
		want := "Port answered 502 Bad Gateway to GET " + srv.URL + "/v1/blueprints; retrying in 1s"
		if len(got) != 5 || got[0] != want {
			t.Fatalf("told %q, want 5 lines starting %q", got, want)
		}
	})
	t.Run("connection refused on the token request", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + ln.Addr().String()
		ln.Close()
		var told lines
		c, err := New(Config{BaseURL: base, ClientID: "i", ClientSecret: "s", Retry: RetryPolicy{MaxAttempts: 3, BaseDelay: 2 * time.Second}, Notify: told.add})
		if err != nil {
			t.Fatal(err)
		}
		clk := &fakeClock{t: epoch}
		c.now, c.sleep = clk.now, clk.sleep
		c.jitter = func(n int64) int64 { return n - 1 }
		_, err = c.GetBlueprint(context.Background(), "libary")
		if err == nil || !strings.Contains(err.Error(), "POST /v1/auth/access_token") || strings.Contains(err.Error(), "libary") ||
			!strings.Contains(err.Error(), "gave up after 3 attempts") {
			t.Fatalf("the error should name the token request that failed: %v", err)
		}
		got := told.all()
		want := []string{
			"cannot reach " + base + "/v1/auth/access_token: connection refused; retrying in 2s",
			"cannot reach " + base + "/v1/auth/access_token: connection refused; retrying in 4s",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("told %q\nwant %q", got, want)
		}
	})
}
