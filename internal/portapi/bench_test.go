package portapi

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

// benchLatency is the emulator's delay per request: a round trip to Port.
const benchLatency = 20 * time.Millisecond

// benchSetup starts an emulator with benchLatency and returns it with 1,000
// entities of about 250 bytes each.
func benchSetup(b *testing.B) (*porttest.Server, []json.RawMessage) {
	b.Helper()
	srv := porttest.New(porttest.WithLatency(benchLatency))
	b.Cleanup(srv.Close)
	if err := srv.AddBlueprint(json.RawMessage(svcBP)); err != nil {
		b.Fatal(err)
	}
	ents := make([]json.RawMessage, 1000)
	for i := range ents {
		ents[i] = json.RawMessage(fmt.Sprintf(`{"identifier": "svc-%04d", "title": "Service %d", "team": ["platform"],
		  "properties": {"tier": "a", "note": "owned by the platform team; on call rota in the wiki, runbook in the repository"}}`, i, i))
	}
	return srv, ents
}

func benchClient(b *testing.B, srv *porttest.Server) *Client {
	b.Helper()
	c, err := New(Config{BaseURL: srv.URL, ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, UserAgent: "port-gitops/bench"})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkBulkUpsert1000 writes 1,000 entities through the bulk route
// (batches of 20, Config.Concurrency 4 in flight) against the emulator with
// 20 ms latency per request. A fresh client per iteration, so the token
// request is counted.
func BenchmarkBulkUpsert1000(b *testing.B) {
	srv, ents := benchSetup(b)
	var requests int
	for b.Loop() {
		srv.ResetRequests()
		res, err := benchClient(b, srv).BulkUpsert(context.Background(), "svc", ents, UpsertOptions{Upsert: true})
		if err != nil || len(res) != len(ents) {
			b.Fatalf("%d results: %v", len(res), err)
		}
		requests += len(srv.Requests())
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
}

// BenchmarkUpsertLoop1000 writes the same 1,000 entities one request per
// entity, one after the other, as a loop of single upserts does.
func BenchmarkUpsertLoop1000(b *testing.B) {
	srv, ents := benchSetup(b)
	var requests int
	for b.Loop() {
		srv.ResetRequests()
		c := benchClient(b, srv)
		for _, e := range ents {
			if _, err := c.Upsert(context.Background(), "svc", e, UpsertOptions{Upsert: true}); err != nil {
				b.Fatal(err)
			}
		}
		requests += len(srv.Requests())
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
}
