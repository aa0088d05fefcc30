package portapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

const (
	svcBP = `{"identifier": "svc", "title": "Service",
	 "schema": {"properties": {"tier": {"type": "string", "enum": ["a", "b"]}, "note": {"type": "string"}}, "required": ["tier"]},
	 "relations": {"dep": {"target": "svc", "required": false, "many": true}}}`
	teamBP = `{"identifier": "team/eu", "title": "Team", "schema": {"properties": {}}}`
)

// fakeClock is the client's clock and sleep: sleeping records the wait and
// moves the clock, so retries take no real time.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	waits []time.Duration
	// onSleep, when set, runs before a sleep returns (tests cancel there).
	onSleep func()
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.t = f.t.Add(d)
	hook := f.onSleep
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	return ctx.Err()
}

func (f *fakeClock) recorded() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

// epoch is the fake clock's start: a fixed UNIX time.
var epoch = time.Unix(1_800_000_000, 0)

// newServer starts an emulator that knows svc and team/eu.
func newServer(t *testing.T, opts ...porttest.Option) *porttest.Server {
	t.Helper()
	srv := porttest.NewT(t, opts...)
	for _, bp := range []string{svcBP, teamBP} {
		if err := srv.AddBlueprint(json.RawMessage(bp)); err != nil {
			t.Fatal(err)
		}
	}
	return srv
}

// newClient returns a client of srv with a fake clock. Backoff jitter
// returns its ceiling, so waits are predictable.
func newClient(t *testing.T, srv *porttest.Server, mod func(*Config)) (*Client, *fakeClock) {
	t.Helper()
	cfg := Config{BaseURL: srv.URL, ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, UserAgent: "port-gitops/test",
		Retry: RetryPolicy{BaseDelay: time.Second, MaxDelay: 30 * time.Second}}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{t: epoch}
	c.now, c.sleep = clk.now, clk.sleep
	c.jitter = func(n int64) int64 { return n - 1 }
	return c, clk
}

// count returns how many requests srv received with this method and path
// suffix.
func count(srv *porttest.Server, method, suffix string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

func ent(id, tier string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"identifier": %q, "title": %q, "properties": {"tier": %q}}`, id, strings.ToUpper(id), tier))
}
