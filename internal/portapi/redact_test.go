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
	canarySecret = "canary-secret-5f2c9a"
	canaryToken  = "canary-token-e81b"
)

// TestSecretsNeverLeak runs every call, succeeding and failing, with a
// canary secret and token, some failures echoing them back as a misbehaving
// server or proxy might, and checks that neither appears in a returned
// error, an item error, a log line or a formatted Config or Client.
func TestSecretsNeverLeak(t *testing.T) {
	tokenFunc := porttest.WithTokenFunc(func(n int) string { return fmt.Sprintf("%s-%d", canaryToken, n) })
	srv := newServer(t, porttest.WithCredentials("canary-client", canarySecret), tokenFunc)

	var mu sync.Mutex
	var logs []string
	var texts []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(format, args...))
	}
	newC := func(s *porttest.Server) (*Client, *fakeClock) {
		return newClient(t, s, func(cfg *Config) {
			cfg.ClientID, cfg.ClientSecret, cfg.Logf = "canary-client", canarySecret, logf
			cfg.Retry.MaxAttempts = 3
		})
	}
	c, clk := newC(srv)
	ctx := context.Background()
	record := func(step string, err error) {
		if err == nil {
			return
		}
		texts = append(texts, step+": "+err.Error(), fmt.Sprintf("%s: %v | %+v | %#v", step, err, err, err))
	}
	items := func(step string, res []ItemResult, err error) {
		record(step, err)
		for _, r := range res {
			if r.Err != nil {
				record(step+" item", r.Err)
			}
		}
	}
	echo := fmt.Sprintf("you sent %s with Bearer %s-1", canarySecret, canaryToken)
	echoBody := func(code string) string {
		b, _ := json.Marshal(map[string]any{"ok": false, "error": code + " " + canaryToken + "-1", "message": echo})
		return string(b)
	}

	// Every call, succeeding.
	_, err := c.ListBlueprints(ctx)
	record("list", err)
	_, err = c.GetBlueprint(ctx, "svc")
	record("get blueprint", err)
	record("create blueprint", c.CreateBlueprint(ctx, json.RawMessage(`{"identifier": "db", "title": "DB", "schema": {"properties": {}}}`)))
	_, err = c.Upsert(ctx, "svc", ent("a", "a"), UpsertOptions{Upsert: true})
	record("upsert", err)
	_, err = c.GetEntity(ctx, "svc", "a")
	record("get entity", err)
	res, err := c.BulkUpsert(ctx, "svc", manyEntities(25, 4), UpsertOptions{Upsert: true})
	items("bulk", res, err)
	record("search", c.SearchEntities(ctx, "svc", nil, func(json.RawMessage) error { return nil }))
	_, err = c.BulkDelete(ctx, "svc", []string{"e000", "e001"}, false)
	record("bulk delete", err)
	record("delete", c.DeleteEntity(ctx, "svc", "a", false))
	if len(texts) != 2 { // the bulk's item error, twice formatted
		t.Fatalf("the success paths failed: %v", texts)
	}

	// Failing: Port's own errors, echoes, retries exhausted, drops, 401s,
	// cancellation.
	_, err = c.Upsert(ctx, "svc", ent("b", "gold"), UpsertOptions{Upsert: true})
	record("422", err)
	_, err = c.GetEntity(ctx, "svc", "nope")
	record("404", err)
	srv.Inject(porttest.Fault{Method: "GET", Status: 422, Body: echoBody("invalid_request")})
	_, err = c.ListBlueprints(ctx)
	record("echo 422", err)
	srv.Inject(porttest.Fault{PathSuffix: "/entities/bulk", Status: 207, Body: `{"ok": false, "entities": [], "errors": [{"identifier": "x", "index": 0, "statusCode": 422, "error": "bad", "message": ` + fmt.Sprintf("%q", echo) + `}]}`})
	res, err = c.BulkUpsert(ctx, "svc", manyEntities(1), UpsertOptions{Upsert: true})
	items("echo 207", res, err)
	srv.Inject(porttest.Fault{Method: "GET", Status: 503, Body: echoBody("internal_error"), Times: 3})
	_, err = c.ListBlueprints(ctx)
	record("503 exhausted", err)
	srv.Inject(porttest.Fault{Method: "POST", Drop: true, Times: 3})
	res, err = c.BulkUpsert(ctx, "svc", manyEntities(2), UpsertOptions{Upsert: true})
	items("drops", res, err)
	srv.Inject(porttest.Fault{Method: "GET", Status: 401, Body: echoBody("unauthorized"), Times: 2})
	_, err = c.GetBlueprint(ctx, "svc")
	record("401 twice", err)
	srv.Inject(porttest.Fault{Method: "GET", Status: 429, Body: echoBody("too_many_requests"), Times: 5})
	cctx, cancel := context.WithCancel(ctx)
	clk.onSleep = cancel
	_, err = c.ListBlueprints(cctx)
	record("cancelled", err)
	clk.onSleep = nil
	srv.ClearFaults()
	srv.Inject(porttest.Fault{Method: "GET", Latency: time.Hour})
	tctx, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err = c.ListBlueprints(tctx)
	cancel2()
	record("timeout", err)

	// The token route failing: a fresh client each time. It has never held
	// the canary token, so it can only recognise it after "Bearer".
	freshEcho, _ := json.Marshal(map[string]any{"ok": false, "error": "unauthorized", "message": echo})
	fresh, _ := newC(srv)
	srv.Inject(porttest.Fault{PathSuffix: "/auth/access_token", Status: 401, Body: string(freshEcho)})
	_, err = fresh.ListBlueprints(ctx)
	record("token 401 echo", err)
	fresh, _ = newC(srv)
	srv.Inject(porttest.Fault{PathSuffix: "/auth/access_token", Status: 500, Body: string(freshEcho), Times: 3})
	_, err = fresh.ListBlueprints(ctx)
	record("token 500 exhausted", err)
	other := newServer(t, porttest.WithCredentials("canary-client", "another-secret-value"))
	fresh, _ = newC(other)
	_, err = fresh.ListBlueprints(ctx)
	record("wrong secret", err)
	if !IsCredentialsRejected(err) {
		t.Fatalf("wrong secret: %v", err)
	}

	cfg := Config{ClientID: "canary-client", ClientSecret: canarySecret}
	texts = append(texts, fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), fmt.Sprintf("%v %+v %#v %s", c, c, c, c))

	if len(texts) < 28 || len(logs) < 31 {
		t.Fatalf("the scenario did not run through: %d errors, %d log lines", len(texts), len(logs))
	}
	for _, group := range [][]string{texts, logs} {
		for _, s := range group {
			if strings.Contains(s, canarySecret) || strings.Contains(s, canaryToken) {
				t.Errorf("a secret leaked: %s", s)
			}
		}
	}
	// The echoes were there to redact: the text says so.
	joined := strings.Join(texts, "\n")
	if !strings.Contains(joined, "you sent [redacted] with Bearer [redacted]") {
		t.Errorf("echoed secrets should read [redacted]:\n%s", joined)
	}
}
