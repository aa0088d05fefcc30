package portapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

// bulkSizes returns the number of entities of each bulk request srv got.
func bulkSizes(t *testing.T, srv *porttest.Server) []int {
	t.Helper()
	var sizes []int
	for _, r := range srv.Requests() {
		if !strings.HasSuffix(r.Path, "/entities/bulk") {
			continue
		}
		var body struct{ Entities []json.RawMessage }
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("bulk body: %v", err)
		}
		sizes = append(sizes, len(body.Entities))
	}
	return sizes
}

func sorted(s []int) []int {
	out := append([]int(nil), s...)
	sort.Ints(out)
	return out
}

func manyEntities(n int, bad ...int) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		out[i] = ent(fmt.Sprintf("e%03d", i), "a")
	}
	for _, i := range bad {
		out[i] = ent(fmt.Sprintf("e%03d", i), "gold")
	}
	return out
}

func TestBulkUpsertBatchesAndMapsIndexes(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, func(cfg *Config) { cfg.Concurrency = 2 })
	ctx := context.Background()
	ents := manyEntities(45, 3, 25, 44)
	ents[30] = json.RawMessage(`{"identifier": "e030", "properties": {"tier": "a"}, "relations": {"dep": ["ghost"]}}`)
	res, err := c.BulkUpsert(ctx, "svc", ents, UpsertOptions{Upsert: true})
	if err != nil || len(res) != 45 {
		t.Fatalf("%d results: %v", len(res), err)
	}
	for i, r := range res {
		want := fmt.Sprintf("e%03d", i)
		if r.Index != i || r.Identifier != want {
			t.Fatalf("result %d: %+v", i, r)
		}
		switch i {
		case 3, 25, 44:
			if r.Err == nil || r.Err.Status != 422 || r.Err.Code != "blueprint_schema_mismatch" || r.Err.TraceID == "" || r.Err.Path != "/v1/blueprints/svc/entities/bulk" {
				t.Fatalf("result %d should be rejected: %+v %v", i, r, r.Err)
			}
		case 30:
			if r.Err == nil || r.Err.Status != 404 || r.Err.Code != "not_found" || !strings.Contains(r.Err.Error(), "ghost") {
				t.Fatalf("result 30: %v", r.Err)
			}
		default:
			if r.Err != nil || !r.Created {
				t.Fatalf("result %d: %+v %v", i, r, r.Err)
			}
		}
	}
	if got := bulkSizes(t, srv); !reflect.DeepEqual(sorted(got), []int{5, 20, 20}) {
		t.Fatalf("batches %v", got)
	}
	if n := len(srv.Entities("svc")); n != 41 {
		t.Fatalf("%d entities written, want 41", n)
	}
	// Again: updated, not created.
	res, err = c.BulkUpsert(ctx, "svc", manyEntities(5), UpsertOptions{Upsert: true})
	if err != nil || len(res) != 5 || res[0].Created || res[0].Err != nil {
		t.Fatalf("second run: %+v %v", res, err)
	}
	if res, err := c.BulkUpsert(ctx, "svc", nil, UpsertOptions{}); res != nil || err != nil {
		t.Fatalf("no entities: %v %v", res, err)
	}
}

func TestBulkUpsertBatchesByBytes(t *testing.T) {
	big := strings.Repeat("x", 300_000)
	ents := make([]json.RawMessage, 7)
	for i := range ents {
		ents[i] = json.RawMessage(fmt.Sprintf(`{"identifier": "b%d", "properties": {"tier": "a", "note": %q}}`, i, big))
	}
	if got := planBatches(compactAll(t, ents)); !reflect.DeepEqual(got, [][]int{{0, 1, 2}, {3, 4, 5}, {6}}) {
		t.Fatalf("batches %v", got)
	}
	// Whitespace does not count: entities are compacted first.
	spaced := json.RawMessage("{\n    \"identifier\": \"s\",\n    \"properties\": {\"tier\": \"a\"}\n}")
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	if _, err := c.BulkUpsert(context.Background(), "svc", []json.RawMessage{spaced}, UpsertOptions{Upsert: true}); err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/bulk") && !bytes.Equal(r.Body, []byte(`{"entities":[{"identifier":"s","properties":{"tier":"a"}}]}`)) {
			t.Fatalf("body %s", r.Body)
		}
	}
}

func compactAll(t *testing.T, ents []json.RawMessage) [][]byte {
	out := make([][]byte, len(ents))
	for i, e := range ents {
		var b bytes.Buffer
		if err := json.Compact(&b, e); err != nil {
			t.Fatal(err)
		}
		out[i] = b.Bytes()
	}
	return out
}

func TestBulkUpsertSplitsOn413(t *testing.T) {
	// Entities of ~150 bytes; the server takes at most 1,000 bytes of body:
	// a batch of 20 is split to 10, then 5; one oversized entity fails alone.
	srv := newServer(t, porttest.WithMaxBody(1000))
	c, clk := newClient(t, srv, func(cfg *Config) { cfg.Concurrency = 1 })
	ents := make([]json.RawMessage, 20)
	for i := range ents {
		ents[i] = json.RawMessage(fmt.Sprintf(`{"identifier": "s%02d", "title": "a title that makes it longer", "properties": {"tier": "a", "note": "%s"}}`, i, strings.Repeat("n", 60)))
	}
	ents[13] = json.RawMessage(fmt.Sprintf(`{"identifier": "huge", "properties": {"tier": "a", "note": %q}}`, strings.Repeat("h", 1200)))
	res, err := c.BulkUpsert(context.Background(), "svc", ents, UpsertOptions{Upsert: true})
	if err != nil || len(res) != 20 {
		t.Fatalf("%d results: %v", len(res), err)
	}
	for i, r := range res {
		if i == 13 {
			if r.Err == nil || r.Err.Status != 413 || r.Identifier != "huge" {
				t.Fatalf("the oversized entity: %+v %v", r, r.Err)
			}
			continue
		}
		if r.Index != i || r.Err != nil {
			t.Fatalf("result %d: %+v %v", i, r, r.Err)
		}
	}
	if n := len(srv.Entities("svc")); n != 19 {
		t.Fatalf("%d written, want 19", n)
	}
	// 20 → 413, halves in order: [0-9] → 413, [0-4] ok, [5-9] ok;
	// [10-19] → 413, [10-14] → 413, [10-11] ok, [12-14] → 413, [12] ok,
	// [13-14] → 413, [13] → 413 (an item error), [14] ok; [15-19] ok.
	if got, want := bulkSizes(t, srv), []int{20, 10, 5, 5, 10, 5, 2, 3, 1, 2, 1, 1, 5}; !reflect.DeepEqual(got, want) {
		t.Fatalf("requests %v, want %v", got, want)
	}
	if len(clk.recorded()) != 0 {
		t.Fatal("a 413 is split, not retried")
	}
}

func TestBulkUpsertPartialAnswerAndMissingItems(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	// Port answers for index 0 only (and an index out of range, and a duplicate).
	srv.Inject(porttest.Fault{PathSuffix: "/entities/bulk", Status: 207, Body: `{"ok": false,
	  "entities": [{"identifier": "a", "index": 0, "created": true}, {"identifier": "zz", "index": 7, "created": true}],
	  "errors": [{"identifier": "unknown", "index": 0, "statusCode": 404, "error": "not_found", "message": "dup"}]}`})
	res, err := c.BulkUpsert(context.Background(), "svc", []json.RawMessage{ent("a", "a"), ent("b", "a")}, UpsertOptions{Upsert: true})
	if err != nil || len(res) != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	if res[0].Err != nil || !res[0].Created || res[0].Identifier != "a" {
		t.Fatalf("item 0: %+v", res[0])
	}
	if res[1].Err == nil || !strings.Contains(res[1].Err.Message, "no result for this entity") || res[1].Identifier != "b" || res[1].Err.Status != 207 {
		t.Fatalf("item 1: %+v %v", res[1], res[1].Err)
	}
	// "unknown" identifiers in errors are replaced by the entity's own.
	srv.Inject(porttest.Fault{PathSuffix: "/entities/bulk", Status: 207, Body: `{"ok": false, "entities": [],
	  "errors": [{"identifier": "unknown", "index": 0, "statusCode": 409, "error": "identifier_taken", "message": "taken"}]}`})
	res, err = c.BulkUpsert(context.Background(), "svc", []json.RawMessage{ent("c", "a")}, UpsertOptions{})
	if err != nil || res[0].Identifier != "c" || res[0].Err.Code != "identifier_taken" {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestBulkUpsertWholeFailureKeepsEarlierResults(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, func(cfg *Config) {
		cfg.Concurrency = 1
		cfg.Retry.MaxAttempts = 2
	})
	var bulkSeen atomic.Int32
	srv.Inject(porttest.Fault{
		Match:  func(method, path string) bool { return strings.HasSuffix(path, "/bulk") && bulkSeen.Add(1) > 1 },
		Status: 503, Times: 100,
	})
	res, err := c.BulkUpsert(context.Background(), "svc", manyEntities(45), UpsertOptions{Upsert: true})
	if StatusOf(err) != 503 || !strings.Contains(err.Error(), "25 of 45 entities have no result") {
		t.Fatalf("got %v", err)
	}
	if len(res) != 20 || res[0].Index != 0 || res[19].Index != 19 {
		t.Fatalf("the first batch's results must be kept: %d", len(res))
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%+v", r)
		}
	}
	// The first batch, the second twice (a retry), and no third batch.
	if got := bulkSizes(t, srv); !reflect.DeepEqual(got, []int{20, 20, 20}) {
		t.Fatalf("requests %v", got)
	}
}

func TestBulkUpsertRetriesDroppedConnections(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/entities/bulk", Drop: true, Times: 2})
	res, err := c.BulkUpsert(context.Background(), "svc", manyEntities(30), UpsertOptions{Upsert: true})
	if err != nil || len(res) != 30 {
		t.Fatalf("%d %v", len(res), err)
	}
	if n := len(srv.Entities("svc")); n != 30 {
		t.Fatalf("%d written", n)
	}
	if got := bulkSizes(t, srv); len(got) != 4 {
		t.Fatalf("requests %v, want 2 batches + 2 resends", got)
	}
}

func TestBulkUpsertConcurrencyIsBounded(t *testing.T) {
	srv := newServer(t, porttest.WithLatency(30*time.Millisecond))
	c, _ := newClient(t, srv, func(cfg *Config) { cfg.Concurrency = 3 })
	if _, err := c.ListBlueprints(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	res, err := c.BulkUpsert(context.Background(), "svc", manyEntities(240), UpsertOptions{Upsert: true})
	if err != nil || len(res) != 240 {
		t.Fatalf("%d %v", len(res), err)
	}
	if got := srv.MaxConcurrent(); got != 3 {
		t.Fatalf("at most %d requests in flight, want 3", got)
	}
}

func TestBulkUpsertFailsBeforeSendingInvalidJSON(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	_, err := c.BulkUpsert(context.Background(), "svc", []json.RawMessage{ent("a", "a"), json.RawMessage(`{"identifier": `)}, UpsertOptions{})
	if err == nil || !strings.Contains(err.Error(), "entity 1 is not valid JSON") {
		t.Fatalf("got %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests", n)
	}
}

func TestBulkUpsertCancelled(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := c.BulkUpsert(ctx, "svc", manyEntities(50), UpsertOptions{Upsert: true})
	if !errors.Is(err, context.Canceled) || len(res) != 0 || !strings.Contains(err.Error(), "50 of 50 entities have no result") {
		t.Fatalf("%d %v", len(res), err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests after cancel", n)
	}
}

func TestBulkUpsertValidationOnlyWritesNothing(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	res, err := c.BulkUpsert(context.Background(), "svc", manyEntities(3, 1), UpsertOptions{Upsert: true, ValidationOnly: true})
	if err != nil || len(res) != 3 || res[0].Err != nil || res[1].Err == nil || res[2].Err != nil {
		t.Fatalf("%+v %v", res, err)
	}
	if len(srv.Entities("svc")) != 0 {
		t.Fatal("validation only wrote entities")
	}
}
