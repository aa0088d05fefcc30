package portapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

func TestBlueprintCalls(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	ctx := context.Background()

	bp, err := c.GetBlueprint(ctx, "svc")
	var got map[string]any
	if err != nil || json.Unmarshal(bp, &got) != nil || got["identifier"] != "svc" || got["ok"] != nil {
		t.Fatalf("GetBlueprint should return the blueprint object itself: %s %v", bp, err)
	}
	if _, err := c.GetBlueprint(ctx, "ghost"); !IsNotFound(err) {
		t.Fatalf("missing blueprint: %v", err)
	}
	list, err := c.ListBlueprints(ctx)
	if err != nil || len(list) != 2 || !strings.Contains(string(list[0]), `"svc"`) || !strings.Contains(string(list[1]), `"team/eu"`) {
		t.Fatalf("ListBlueprints: %s %v", list, err)
	}
	newBP := json.RawMessage(`{"identifier": "db", "title": "Database", "schema": {"properties": {}}}`)
	if err := c.CreateBlueprint(ctx, newBP); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Blueprint("db"); !ok {
		t.Fatal("not created")
	}
	if err := c.CreateBlueprint(ctx, newBP); !IsConflict(err) {
		t.Fatalf("second create: %v", err)
	}
	if err := c.CreateBlueprint(ctx, json.RawMessage(`{"identifier":`)); err == nil || StatusOf(err) != 0 {
		t.Fatalf("invalid JSON should fail before sending: %v", err)
	}
}

func TestUpsertSendsEveryFlag(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	ctx := context.Background()
	created, err := c.Upsert(ctx, "svc", ent("a", "a"), UpsertOptions{Upsert: true})
	if err != nil || !created {
		t.Fatalf("first upsert: created=%v %v", created, err)
	}
	created, err = c.Upsert(ctx, "svc", json.RawMessage(`{"identifier": "a", "properties": {"note": "n"}}`), UpsertOptions{Upsert: true, Merge: true, CreateMissingRelatedEntities: true})
	if err != nil || created {
		t.Fatalf("second upsert: created=%v %v", created, err)
	}
	if e, _ := srv.Entity("svc", "a"); !strings.Contains(string(e), `"tier":"a"`) || !strings.Contains(string(e), `"note":"n"`) {
		t.Fatalf("merge: %s", e)
	}
	created, err = c.Upsert(ctx, "svc", ent("b", "b"), UpsertOptions{Upsert: true, ValidationOnly: true})
	if err != nil || !created {
		t.Fatalf("validation only: %v %v", created, err)
	}
	if _, ok := srv.Entity("svc", "b"); ok {
		t.Fatal("validation only wrote the entity")
	}
	var queries []url.Values
	for _, r := range srv.Requests() {
		if r.Path == "/v1/blueprints/svc/entities" {
			queries = append(queries, r.Query)
		}
	}
	want := []url.Values{
		{"upsert": {"true"}, "merge": {"false"}, "validation_only": {"false"}, "create_missing_related_entities": {"false"}},
		{"upsert": {"true"}, "merge": {"true"}, "validation_only": {"false"}, "create_missing_related_entities": {"true"}},
		{"upsert": {"true"}, "merge": {"false"}, "validation_only": {"true"}, "create_missing_related_entities": {"false"}},
	}
	if !reflect.DeepEqual(queries, want) {
		t.Fatalf("queries %v", queries)
	}
	if _, err := c.Upsert(ctx, "svc", json.RawMessage(`{`), UpsertOptions{}); err == nil {
		t.Fatal("invalid JSON accepted")
	}
}

func TestEntityReadAndDelete(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	ctx := context.Background()
	for _, e := range []string{`{"identifier": "base", "properties": {"tier": "a"}}`, `{"identifier": "top", "properties": {"tier": "a"}, "relations": {"dep": ["base"]}}`} {
		if _, err := c.Upsert(ctx, "svc", json.RawMessage(e), UpsertOptions{Upsert: true}); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := c.GetEntity(ctx, "svc", "top")
	var e map[string]any
	if err != nil || json.Unmarshal(raw, &e) != nil || e["identifier"] != "top" || e["blueprint"] != "svc" {
		t.Fatalf("GetEntity: %s %v", raw, err)
	}
	err = c.DeleteEntity(ctx, "svc", "base", false)
	if StatusOf(err) != 403 || CodeOf(err) != "has_dependents" {
		t.Fatalf("delete with dependents: %v", err)
	}
	if err := c.DeleteEntity(ctx, "svc", "base", true); err != nil {
		t.Fatal(err)
	}
	if len(srv.Entities("svc")) != 0 {
		t.Fatalf("left: %v", srv.Entities("svc"))
	}
	if err := c.DeleteEntity(ctx, "svc", "base", false); err != nil {
		t.Fatalf("deleting what is gone is not an error: %v", err)
	}
	var flags []string
	for _, r := range srv.Requests() {
		if r.Method == "DELETE" {
			flags = append(flags, r.Query.Get("delete_dependents"))
		}
	}
	if !reflect.DeepEqual(flags, []string{"false", "true", "false"}) {
		t.Fatalf("delete_dependents sent: %v", flags)
	}
}

func TestIdentifiersArePathEscaped(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	ctx := context.Background()
	// Valid in Port: written, then read back through the escaped path.
	for _, id := range []string{"a/b", "zürich", "x+y=z:1@2", `back\slash`} {
		if _, err := c.Upsert(ctx, "svc", ent(id, "a"), UpsertOptions{Upsert: true}); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		raw, err := c.GetEntity(ctx, "svc", id)
		if err != nil || !strings.Contains(string(raw), fmt.Sprintf(`"identifier":%q`, id)) {
			t.Fatalf("GetEntity(%q): %s %v", id, raw, err)
		}
	}
	// Not valid in Port, so not found; what matters is the path Port sees.
	for _, id := range []string{"a#b", "a b", "q?x=1", "100%", "a/../b"} {
		srv.ResetRequests()
		if _, err := c.GetEntity(ctx, "svc", id); !IsNotFound(err) {
			t.Fatalf("GetEntity(%q): %v", id, err)
		}
		if err := c.DeleteEntity(ctx, "svc", id, false); err != nil {
			t.Fatalf("DeleteEntity(%q): %v", id, err)
		}
		for _, r := range srv.Requests() {
			if r.Path != "/v1/blueprints/svc/entities/"+id || r.RawPath != "/v1/blueprints/svc/entities/"+url.PathEscape(id) || len(r.Query) > 1 {
				t.Fatalf("%q reached Port as path %q (raw %q) query %v", id, r.Path, r.RawPath, r.Query)
			}
		}
	}
	// Blueprint identifiers may hold "/" too.
	srv.ResetRequests()
	if _, err := c.GetBlueprint(ctx, "team/eu"); err != nil {
		t.Fatal(err)
	}
	if r := srv.Requests()[0]; r.RawPath != "/v1/blueprints/team%2Feu" {
		t.Fatalf("blueprint path %q", r.RawPath)
	}
	// Identifiers that would name another route are refused unsent.
	srv.ResetRequests()
	for _, id := range []string{"", ".", ".."} {
		if _, err := c.GetEntity(ctx, "svc", id); err == nil || StatusOf(err) != 0 {
			t.Fatalf("GetEntity(%q): %v", id, err)
		}
		if _, err := c.GetBlueprint(ctx, id); err == nil {
			t.Fatalf("GetBlueprint(%q) accepted", id)
		}
		if _, err := c.BulkUpsert(ctx, id, []json.RawMessage{ent("a", "a")}, UpsertOptions{}); err == nil {
			t.Fatalf("BulkUpsert to %q accepted", id)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests for refused identifiers", n)
	}
}

func TestBulkDeleteChunks(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	ctx := context.Background()
	var ids []string
	for i := range 250 {
		id := fmt.Sprintf("e%03d", i)
		ids = append(ids, id)
		if err := srv.PutEntity("svc", ent(id, "a")); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetRequests()
	deleted, err := c.BulkDelete(ctx, "svc", append(ids, "ghost"), false)
	if err != nil || !reflect.DeepEqual(deleted, ids) {
		t.Fatalf("deleted %d: %v", len(deleted), err)
	}
	var sizes []int
	for _, r := range srv.Requests() {
		if r.Path == tokenPath {
			continue
		}
		var body struct{ Entities []string }
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if r.Path != "/v1/blueprints/svc/bulk/entities/delete" || r.Query.Get("delete_dependents") != "false" {
			t.Fatalf("request %s %v", r.Path, r.Query)
		}
		sizes = append(sizes, len(body.Entities))
	}
	if !reflect.DeepEqual(sizes, []int{100, 100, 51}) {
		t.Fatalf("chunks %v", sizes)
	}

	// A chunk refused for dependents: what the earlier chunks deleted is
	// returned, later chunks are not sent.
	ids = ids[:0]
	for i := range 150 {
		id := fmt.Sprintf("f%03d", i)
		ids = append(ids, id)
		if err := srv.PutEntity("svc", ent(id, "a")); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.PutEntity("svc", json.RawMessage(`{"identifier": "holder", "relations": {"dep": ["f120"]}}`)); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	deleted, err = c.BulkDelete(ctx, "svc", ids, false)
	if CodeOf(err) != "has_dependents" || len(deleted) != 100 || deleted[99] != "f099" {
		t.Fatalf("deleted %d: %v", len(deleted), err)
	}
	if _, ok := srv.Entity("svc", "f120"); !ok {
		t.Fatal("the refused chunk deleted entities")
	}
	if deleted, err := c.BulkDelete(ctx, "svc", nil, true); err != nil || deleted != nil {
		t.Fatalf("nothing to delete: %v %v", deleted, err)
	}
}

func TestSearchEntitiesFollowsTheCursor(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	ctx := context.Background()
	for i := range 2300 {
		tier := "a"
		if i%2 == 1 {
			tier = "b"
		}
		if err := srv.PutEntity("svc", ent(fmt.Sprintf("s%04d", i), tier)); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetRequests()
	var ids []string
	err := c.SearchEntities(ctx, "svc", nil, func(e json.RawMessage) error {
		var v struct{ Identifier string }
		if err := json.Unmarshal(e, &v); err != nil {
			return err
		}
		ids = append(ids, v.Identifier)
		return nil
	})
	if err != nil || len(ids) != 2300 || ids[0] != "s0000" || ids[2299] != "s2299" {
		t.Fatalf("%d entities: %v", len(ids), err)
	}
	var reqs []porttest.Request
	for _, r := range srv.Requests() {
		if r.Path != tokenPath {
			reqs = append(reqs, r)
		}
	}
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3 pages", len(reqs))
	}
	var first, second map[string]any
	_ = json.Unmarshal(reqs[0].Body, &first)
	_ = json.Unmarshal(reqs[1].Body, &second)
	if first["limit"] != 1000.0 || first["from"] != nil || first["query"] != nil || second["from"] == nil {
		t.Fatalf("page bodies %v / %v", first, second)
	}

	n := 0
	q := json.RawMessage(`{"combinator": "and", "rules": [{"property": "tier", "operator": "=", "value": "b"}]}`)
	if err := c.SearchEntities(ctx, "svc", q, func(json.RawMessage) error { n++; return nil }); err != nil || n != 1150 {
		t.Fatalf("query: %d %v", n, err)
	}
	stop := errors.New("enough")
	n = 0
	if err := c.SearchEntities(ctx, "svc", nil, func(json.RawMessage) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("fn's error should stop the search: %d %v", n, err)
	}
	if err := c.SearchEntities(ctx, "ghost", nil, func(json.RawMessage) error { return nil }); !IsNotFound(err) {
		t.Fatalf("unknown blueprint: %v", err)
	}
}

func TestSearchEntitiesStopsOnAStuckCursor(t *testing.T) {
	srv := newServer(t)
	c, _ := newClient(t, srv, nil)
	page := `{"ok": true, "entities": [{"identifier": "x"}], "next": "same"}`
	srv.Inject(porttest.Fault{PathSuffix: "/entities/search", Status: 200, Body: page, Times: 3})
	n := 0
	err := c.SearchEntities(context.Background(), "svc", nil, func(json.RawMessage) error { n++; return nil })
	if err == nil || !strings.Contains(err.Error(), "cursor did not advance") || n != 2 {
		t.Fatalf("got %d entities, %v", n, err)
	}
}
