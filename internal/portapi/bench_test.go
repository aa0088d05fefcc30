package portapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

func benchEntities(n int) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		out[i] = ent(fmt.Sprintf("b%04d", i), "a")
	}
	return out
}

// BenchmarkBulkUpsert1000 sends 1,000 entities through the bulk endpoint
// against the emulator with 20 ms latency per request.
func BenchmarkBulkUpsert1000(b *testing.B) {
	srv := porttest.New(porttest.WithLatency(20 * time.Millisecond))
	defer srv.Close()
	_ = srv.AddBlueprint(json.RawMessage(svcBP))
	ents := benchEntities(1000)
	for b.Loop() {
		srv.ResetRequests()
		c, _ := portapi.New(portapi.Config{BaseURL: srv.URL, ClientID: srv.ClientID, ClientSecret: srv.ClientSecret})
		res, err := c.BulkUpsert(context.Background(), "svc", ents, portapi.UpsertOptions{Upsert: true})
		if err != nil || len(res) != 1000 {
			b.Fatalf("%d results: %v", len(res), err)
		}
		b.ReportMetric(float64(len(srv.Requests())), "requests/op")
	}
}

// BenchmarkUpsertLoop1000 is the same with one request per entity, as a
// curl loop in CI does it.
func BenchmarkUpsertLoop1000(b *testing.B) {
	srv := porttest.New(porttest.WithLatency(20 * time.Millisecond))
	defer srv.Close()
	_ = srv.AddBlueprint(json.RawMessage(svcBP))
	ents := benchEntities(1000)
	for b.Loop() {
		srv.ResetRequests()
		c, _ := portapi.New(portapi.Config{BaseURL: srv.URL, ClientID: srv.ClientID, ClientSecret: srv.ClientSecret})
		for _, e := range ents {
			if _, err := c.Upsert(context.Background(), "svc", e, portapi.UpsertOptions{Upsert: true}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(srv.Requests())), "requests/op")
	}
}
