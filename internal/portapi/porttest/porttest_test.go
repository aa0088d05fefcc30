package porttest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

const (
	systemBP  = `{"identifier": "system", "title": "System", "schema": {"properties": {"owner": {"type": "string"}}}, "relations": {}}`
	serviceBP = `{"identifier": "service", "title": "Service",
	 "schema": {"properties": {
	   "tier": {"type": "string", "enum": ["critical", "standard"]},
	   "replicas": {"type": "number"}, "public": {"type": "boolean"},
	   "labels": {"type": "object"}, "ports": {"type": "array"}},
	  "required": ["tier"]},
	 "relations": {
	   "system": {"target": "system", "required": false, "many": false},
	   "dependsOn": {"target": "service", "required": false, "many": true}}}`
	deployBP = `{"identifier": "deploy", "title": "Deploy", "schema": {"properties": {}},
	 "relations": {"service": {"target": "service", "required": true, "many": false}}}`
)

// client speaks raw HTTP to the emulator, with a token.
type client struct {
	t     *testing.T
	srv   *porttest.Server
	token string
}

func setup(t *testing.T, opts ...porttest.Option) *client {
	t.Helper()
	srv := porttest.NewT(t, opts...)
	for _, bp := range []string{systemBP, serviceBP, deployBP} {
		if err := srv.AddBlueprint(json.RawMessage(bp)); err != nil {
			t.Fatal(err)
		}
	}
	c := &client{t: t, srv: srv}
	c.token = c.getToken()
	return c
}

func (c *client) getToken() string {
	c.t.Helper()
	st, body, _ := c.raw("POST", "/v1/auth/access_token", fmt.Sprintf(`{"clientId": %q, "clientSecret": %q}`, c.srv.ClientID, c.srv.ClientSecret), "")
	tok, _ := body["accessToken"].(string)
	if st != 200 || tok == "" {
		c.t.Fatalf("token: %d %v", st, body)
	}
	return tok
}

// raw sends a request; body is JSON text ("" for none), auth the bearer
// token ("" for none).
func (c *client) raw(method, path, body, auth string) (int, map[string]any, http.Header) {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.srv.URL+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	req.Header.Set("User-Agent", "porttest-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			c.t.Fatalf("%s %s: answer is not JSON: %s", method, path, data)
		}
	}
	return resp.StatusCode, out, resp.Header
}

func (c *client) do(method, path, body string) (int, map[string]any) {
	c.t.Helper()
	st, out, _ := c.raw(method, path, body, c.token)
	return st, out
}

// wantError checks an error answer's status and code, and that its message
// holds each of msg.
func wantError(t *testing.T, st int, body map[string]any, status int, code string, msg ...string) {
	t.Helper()
	if st != status || body["ok"] != false || body["error"] != code {
		t.Fatalf("got %d %v, want %d %s", st, body, status, code)
	}
	m, _ := body["message"].(string)
	for _, s := range msg {
		if !strings.Contains(m, s) {
			t.Fatalf("message %q lacks %q", m, s)
		}
	}
}

func TestToken(t *testing.T) {
	c := setup(t)
	st, body, _ := c.raw("POST", "/v1/auth/access_token", `{"clientId": "porttest-client", "clientSecret": "wrong"}`, "")
	wantError(t, st, body, 401, "unauthorized")
	st, body, _ = c.raw("POST", "/v1/auth/access_token", `{"clientId": "porttest-client"}`, "")
	wantError(t, st, body, 422, "invalid_request")

	st, body, _ = c.raw("POST", "/v1/auth/access_token", `{"clientId": "porttest-client", "clientSecret": "porttest-secret"}`, "")
	if st != 200 || body["tokenType"] != "Bearer" || body["ok"] != true {
		t.Fatalf("got %d %v", st, body)
	}
	if exp, _ := body["expiresIn"].(float64); exp < 3*3600-60 || exp > 3*3600 {
		t.Fatalf("expiresIn %v, want about 3 hours", body["expiresIn"])
	}
	if body["accessToken"] != c.token {
		t.Fatal("a second request while the token is valid should get the same token, as Port does")
	}
	if st, _ := c.do("GET", "/v1/blueprints", ""); st != 200 {
		t.Fatalf("with the token: %d", st)
	}
	st, body, _ = c.raw("GET", "/v1/blueprints", "", "")
	wantError(t, st, body, 401, "unauthorized")

	c.srv.ExpireTokens()
	st, body = c.do("GET", "/v1/blueprints", "")
	wantError(t, st, body, 401, "unauthorized")
	if tok := c.getToken(); tok == c.token {
		t.Fatal("after ExpireTokens a new token should be issued")
	}
}

func TestTokenLifetimeAndFunc(t *testing.T) {
	c := setup(t, porttest.WithTokenTTL(time.Nanosecond), porttest.WithTokenFunc(func(n int) string { return fmt.Sprintf("tok-%d", n) }),
		porttest.WithCredentials("id-1", "secret-1"))
	if c.token != "tok-1" {
		t.Fatalf("token %q", c.token)
	}
	st, body := c.do("GET", "/v1/blueprints", "")
	wantError(t, st, body, 401, "unauthorized")
	if c.getToken() != "tok-2" {
		t.Fatal("an expired token should be replaced")
	}
}

func TestHeadersOnEveryAnswer(t *testing.T) {
	c := setup(t)
	cases := []struct{ method, path, auth string }{
		{"GET", "/v1/blueprints", c.token},
		{"GET", "/v1/blueprints/nope", c.token},
		{"GET", "/v1/blueprints", ""},
		{"GET", "/v1/nothing-here", c.token},
		{"POST", "/v1/auth/access_token", ""},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		st, body, h := c.raw(tc.method, tc.path, "", tc.auth)
		for _, k := range []string{"X-Trace-Id", "X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset", "X-Ratelimit-Period"} {
			if h.Get(k) == "" {
				t.Errorf("%s %s: no %s", tc.method, tc.path, k)
			}
		}
		if seen[h.Get("X-Trace-Id")] {
			t.Errorf("trace id %s repeated", h.Get("X-Trace-Id"))
		}
		seen[h.Get("X-Trace-Id")] = true
		if st >= 400 {
			if body["ok"] != false || body["error"] == nil || body["message"] == nil {
				t.Errorf("%s %s: error body %v lacks ok/error/message", tc.method, tc.path, body)
			}
		}
	}
}

func TestBlueprints(t *testing.T) {
	c := setup(t)
	st, body := c.do("GET", "/v1/blueprints/nope", "")
	wantError(t, st, body, 404, "not_found", "nope")

	st, body = c.do("GET", "/v1/blueprints", "")
	list, _ := body["blueprints"].([]any)
	var ids []string
	for _, b := range list {
		bp := b.(map[string]any)
		ids = append(ids, bp["identifier"].(string))
		if bp["createdAt"] == nil {
			t.Error("blueprints should carry createdAt as Port's do")
		}
	}
	if st != 200 || !reflect.DeepEqual(ids, []string{"deploy", "service", "system"}) {
		t.Fatalf("list: %d %v", st, ids)
	}

	team := `{"identifier": "team", "title": "Team", "schema": {"properties": {"size": {"type": "number"}}}}`
	if st, body := c.do("POST", "/v1/blueprints", team); st != 201 || body["blueprint"].(map[string]any)["identifier"] != "team" {
		t.Fatalf("create: %d %v", st, body)
	}
	st, body = c.do("POST", "/v1/blueprints", team)
	wantError(t, st, body, 409, "identifier_taken")

	bad := map[string]string{
		"bad identifier":       `{"identifier": "a b", "title": "X", "schema": {"properties": {}}}`,
		"no title":             `{"identifier": "x", "schema": {"properties": {}}}`,
		"no schema properties": `{"identifier": "x", "title": "X", "schema": {}}`,
		"unknown type":         `{"identifier": "x", "title": "X", "schema": {"properties": {"p": {"type": "date"}}}}`,
		"many and required":    `{"identifier": "x", "title": "X", "schema": {"properties": {}}, "relations": {"r": {"target": "system", "many": true, "required": true}}}`,
	}
	for name, b := range bad {
		st, body := c.do("POST", "/v1/blueprints", b)
		if st != 422 || body["error"] != "invalid_request" {
			t.Errorf("%s: got %d %v", name, st, body)
		}
	}
	st, body = c.do("POST", "/v1/blueprints", `{"identifier": "x", "title": "X", "schema": {"properties": {}}, "relations": {"r": {"target": "ghost", "many": false, "required": false}}}`)
	wantError(t, st, body, 404, "not_found", "ghost")

	if st, _ := c.do("PUT", "/v1/blueprints/team", `{"title": "Teams", "schema": {"properties": {}}}`); st != 200 {
		t.Fatalf("put: %d", st)
	}
	if raw, _ := c.srv.Blueprint("team"); !strings.Contains(string(raw), `"Teams"`) {
		t.Fatalf("put did not replace: %s", raw)
	}
	st, body = c.do("PUT", "/v1/blueprints/ghost", `{"title": "G", "schema": {"properties": {}}}`)
	wantError(t, st, body, 404, "not_found")
	if st, _ := c.do("DELETE", "/v1/blueprints/team", ""); st != 200 {
		t.Fatalf("delete: %d", st)
	}
	st, body = c.do("DELETE", "/v1/blueprints/team", "")
	wantError(t, st, body, 404, "not_found")
}

func TestEntityValidation(t *testing.T) {
	cases := []struct {
		name, entity string
		status       int
		code         string
		msg          string
	}{
		{"valid", `{"identifier": "a", "properties": {"tier": "critical", "replicas": 2, "public": true, "labels": {"x": 1}, "ports": [80]}}`, 201, "", ""},
		{"unicode and punctuation identifier", `{"identifier": "zürich@eu_1.2+3:4/5=6-7", "properties": {"tier": "critical"}}`, 201, "", ""},
		{"identifier with a space", `{"identifier": "a b", "properties": {"tier": "critical"}}`, 422, "invalid_request", "a b"},
		{"identifier ..", `{"identifier": "..", "properties": {"tier": "critical"}}`, 422, "invalid_request", ".."},
		{"identifier with #", `{"identifier": "a#b", "properties": {"tier": "critical"}}`, 422, "invalid_request", "a#b"},
		{"no identifier", `{"properties": {"tier": "critical"}}`, 422, "invalid_request", "identifier"},
		{"identifier too long", `{"identifier": "` + strings.Repeat("x", 1001) + `", "properties": {"tier": "critical"}}`, 422, "invalid_request", "1000"},
		{"undeclared property", `{"identifier": "a", "properties": {"tier": "critical", "colour": "red"}}`, 422, "blueprint_schema_mismatch", `"colour"`},
		{"string for number", `{"identifier": "a", "properties": {"tier": "critical", "replicas": "2"}}`, 422, "blueprint_schema_mismatch", `"replicas"`},
		{"number for boolean", `{"identifier": "a", "properties": {"tier": "critical", "public": 1}}`, 422, "blueprint_schema_mismatch", `"public"`},
		{"array for object", `{"identifier": "a", "properties": {"tier": "critical", "labels": []}}`, 422, "blueprint_schema_mismatch", `"labels"`},
		{"object for array", `{"identifier": "a", "properties": {"tier": "critical", "ports": {}}}`, 422, "blueprint_schema_mismatch", `"ports"`},
		{"not in enum", `{"identifier": "a", "properties": {"tier": "gold"}}`, 422, "blueprint_schema_mismatch", `"tier"`},
		{"required missing", `{"identifier": "a", "properties": {"replicas": 1}}`, 422, "blueprint_schema_mismatch", `"tier"`},
		{"required null", `{"identifier": "a", "properties": {"tier": null}}`, 422, "blueprint_schema_mismatch", `"tier"`},
		{"properties not an object", `{"identifier": "a", "properties": []}`, 422, "invalid_request", "properties"},
		{"undeclared relation", `{"identifier": "a", "properties": {"tier": "critical"}, "relations": {"owner": "x"}}`, 422, "blueprint_schema_mismatch", `"owner"`},
		{"array for one", `{"identifier": "a", "properties": {"tier": "critical"}, "relations": {"system": ["shop"]}}`, 422, "relation_many_violation", `"system"`},
		{"string for many", `{"identifier": "a", "properties": {"tier": "critical"}, "relations": {"dependsOn": "b"}}`, 422, "relation_many_violation", `"dependsOn"`},
		{"missing target", `{"identifier": "a", "properties": {"tier": "critical"}, "relations": {"system": "ghost"}}`, 404, "not_found", `"ghost"`},
		{"existing target and null", `{"identifier": "a", "properties": {"tier": "critical"}, "relations": {"system": "shop", "dependsOn": null}}`, 201, "", ""},
		{"self relation", `{"identifier": "a", "properties": {"tier": "critical"}, "relations": {"dependsOn": ["a"]}}`, 201, "", ""},
		{"team strings", `{"identifier": "a", "team": ["x", "y"], "properties": {"tier": "critical"}}`, 201, "", ""},
		{"team number", `{"identifier": "a", "team": 3, "properties": {"tier": "critical"}}`, 422, "invalid_request", "team"},
		{"search-query relation", `{"identifier": "a", "properties": {"tier": "critical"}, "relations": {"system": {"combinator": "and", "rules": []}}}`, 422, "invalid_request", "system"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := setup(t)
			if err := c.srv.PutEntity("system", json.RawMessage(`{"identifier": "shop"}`)); err != nil {
				t.Fatal(err)
			}
			st, body := c.do("POST", "/v1/blueprints/service/entities?upsert=true", tc.entity)
			if tc.code == "" {
				if st != tc.status || body["ok"] != true {
					t.Fatalf("got %d %v", st, body)
				}
				return
			}
			wantError(t, st, body, tc.status, tc.code, tc.msg)
			if n := len(c.srv.Entities("service")); n != 0 {
				t.Fatalf("a refused entity was stored (%d entities)", n)
			}
		})
	}
	t.Run("required relation", func(t *testing.T) {
		c := setup(t)
		st, body := c.do("POST", "/v1/blueprints/deploy/entities", `{"identifier": "d1"}`)
		wantError(t, st, body, 422, "required_relation", `"service"`)
		st, body = c.do("POST", "/v1/blueprints/deploy/entities", `{"identifier": "d1", "relations": {"service": null}}`)
		wantError(t, st, body, 422, "required_relation", `"service"`)
	})
	t.Run("unknown blueprint", func(t *testing.T) {
		c := setup(t)
		st, body := c.do("POST", "/v1/blueprints/ghost/entities", `{"identifier": "a"}`)
		wantError(t, st, body, 404, "not_found", "ghost")
	})
	t.Run("bad flag", func(t *testing.T) {
		c := setup(t)
		st, body := c.do("POST", "/v1/blueprints/system/entities?upsert=yes", `{"identifier": "a"}`)
		wantError(t, st, body, 422, "invalid_request", "upsert")
	})
}

func props(t *testing.T, srv *porttest.Server, bp, id string) map[string]any {
	t.Helper()
	raw, ok := srv.Entity(bp, id)
	if !ok {
		t.Fatalf("%s/%s is not stored", bp, id)
	}
	var e map[string]any
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	p, _ := e["properties"].(map[string]any)
	return p
}

func TestUpsertSemantics(t *testing.T) {
	c := setup(t)
	const path = "/v1/blueprints/service/entities"
	if st, body := c.do("POST", path, `{"identifier": "a", "title": "A", "properties": {"tier": "critical", "replicas": 3}}`); st != 201 {
		t.Fatalf("create: %d %v", st, body)
	}
	st, body := c.do("POST", path, `{"identifier": "a", "properties": {"tier": "standard"}}`)
	wantError(t, st, body, 409, "identifier_taken", `"a"`)
	st, body = c.do("POST", path+"?upsert=false&merge=true", `{"identifier": "a", "properties": {"tier": "standard"}}`)
	wantError(t, st, body, 409, "identifier_taken")

	// upsert=true replaces: replicas, not sent, is gone.
	if st, _ := c.do("POST", path+"?upsert=true", `{"identifier": "a", "properties": {"tier": "standard"}}`); st != 200 {
		t.Fatalf("replace: %d", st)
	}
	if p := props(t, c.srv, "service", "a"); !reflect.DeepEqual(p, map[string]any{"tier": "standard"}) {
		t.Fatalf("after replace: %v", p)
	}
	// merge keeps what is not sent and clears what is sent as null.
	c.do("POST", path+"?upsert=true&merge=true", `{"identifier": "a", "properties": {"replicas": 5, "public": true}}`)
	c.do("POST", path+"?upsert=true&merge=true", `{"identifier": "a", "properties": {"public": null}}`)
	if p := props(t, c.srv, "service", "a"); !reflect.DeepEqual(p, map[string]any{"tier": "standard", "replicas": 5.0}) {
		t.Fatalf("after merge: %v", p)
	}
	// A merge is validated as merged: dropping a required property fails.
	st, body = c.do("POST", path+"?upsert=true&merge=true", `{"identifier": "a", "properties": {"tier": null}}`)
	wantError(t, st, body, 422, "blueprint_schema_mismatch", `"tier"`)

	// validation_only writes nothing, but says what it would do.
	if st, _ := c.do("POST", path+"?upsert=true&validation_only=true", `{"identifier": "b", "properties": {"tier": "critical"}}`); st != 201 {
		t.Fatalf("validation only: %d", st)
	}
	if _, ok := c.srv.Entity("service", "b"); ok {
		t.Fatal("validation_only stored the entity")
	}
	st, body = c.do("POST", path+"?upsert=true&validation_only=true", `{"identifier": "b", "properties": {"tier": "gold"}}`)
	wantError(t, st, body, 422, "blueprint_schema_mismatch")

	// GET returns it with its blueprint; the blueprint key in a body is ignored.
	c.do("POST", path+"?upsert=true", `{"identifier": "c", "blueprint": "service", "properties": {"tier": "critical"}}`)
	st, body = c.do("GET", path+"/c", "")
	e, _ := body["entity"].(map[string]any)
	if st != 200 || e["blueprint"] != "service" || e["identifier"] != "c" || e["createdAt"] == nil {
		t.Fatalf("get: %d %v", st, body)
	}
	st, body = c.do("GET", path+"/zz", "")
	wantError(t, st, body, 404, "not_found", "zz")
}

func TestCreateMissingRelatedEntities(t *testing.T) {
	c := setup(t)
	const e = `{"identifier": "a", "properties": {"tier": "critical"}, "relations": {"system": "shop", "dependsOn": ["b", "c"]}}`
	st, body := c.do("POST", "/v1/blueprints/service/entities?upsert=true", e)
	wantError(t, st, body, 404, "not_found", `"b"`)
	if st, _ := c.do("POST", "/v1/blueprints/service/entities?upsert=true&create_missing_related_entities=true", e); st != 201 {
		t.Fatalf("with create_missing_related_entities: %d", st)
	}
	if _, ok := c.srv.Entity("system", "shop"); !ok {
		t.Fatal("the missing system was not created")
	}
	got := c.srv.Entities("service")
	for _, id := range []string{"a", "b", "c"} {
		if _, ok := got[id]; !ok {
			t.Fatalf("service %s missing: %v", id, got)
		}
	}
}

func TestDeleteAndDependents(t *testing.T) {
	c := setup(t)
	for _, e := range []string{
		`{"identifier": "base", "properties": {"tier": "critical"}}`,
		`{"identifier": "mid", "properties": {"tier": "critical"}, "relations": {"dependsOn": ["base"]}}`,
		`{"identifier": "top", "properties": {"tier": "critical"}, "relations": {"dependsOn": ["mid"]}}`,
		`{"identifier": "alone", "properties": {"tier": "standard"}}`,
	} {
		if st, body := c.do("POST", "/v1/blueprints/service/entities", e); st != 201 {
			t.Fatalf("%d %v", st, body)
		}
	}
	c.do("POST", "/v1/blueprints/deploy/entities", `{"identifier": "d1", "relations": {"service": "alone"}}`)

	st, body := c.do("DELETE", "/v1/blueprints/service/entities/base", "")
	wantError(t, st, body, 403, "has_dependents", "service/mid")
	st, body = c.do("DELETE", "/v1/blueprints/service/entities/base?delete_dependents=false", "")
	wantError(t, st, body, 403, "has_dependents")
	if st, _ := c.do("DELETE", "/v1/blueprints/service/entities/base?delete_dependents=true", ""); st != 200 {
		t.Fatalf("delete with dependents: %d", st)
	}
	if got := keys(c.srv.Entities("service")); !reflect.DeepEqual(got, []string{"alone"}) {
		t.Fatalf("delete_dependents should delete base, mid and top (transitively): %v", got)
	}
	st, body = c.do("DELETE", "/v1/blueprints/service/entities/base", "")
	wantError(t, st, body, 404, "not_found")
	// A dependent in another blueprint counts too.
	st, body = c.do("DELETE", "/v1/blueprints/service/entities/alone", "")
	wantError(t, st, body, 403, "has_dependents", "deploy/d1")
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func bulkBody(entities ...string) string {
	return `{"entities": [` + strings.Join(entities, ",") + `]}`
}

func svc(id, tier string) string {
	return fmt.Sprintf(`{"identifier": %q, "properties": {"tier": %q}}`, id, tier)
}

func TestBulkUpsert(t *testing.T) {
	c := setup(t)
	const path = "/v1/blueprints/service/entities/bulk?upsert=true"
	st, body := c.do("POST", path, bulkBody(svc("a", "critical"), svc("b", "standard")))
	if st != 200 || body["ok"] != true || len(body["errors"].([]any)) != 0 || len(body["entities"].([]any)) != 2 {
		t.Fatalf("all valid: %d %v", st, body)
	}
	first := body["entities"].([]any)[0].(map[string]any)
	if first["identifier"] != "a" || first["index"] != 0.0 || first["created"] != true {
		t.Fatalf("item: %v", first)
	}

	st, body = c.do("POST", path, bulkBody(svc("a", "standard"), svc("x", "gold"), `{"identifier": "y", "properties": {"tier": "critical"}, "relations": {"system": "ghost"}}`))
	if st != 207 || body["ok"] != false {
		t.Fatalf("partial: %d %v", st, body)
	}
	ok := body["entities"].([]any)
	errs := body["errors"].([]any)
	if len(ok) != 1 || ok[0].(map[string]any)["created"] != false || len(errs) != 2 {
		t.Fatalf("partial: %v", body)
	}
	e1, e2 := errs[0].(map[string]any), errs[1].(map[string]any)
	if e1["index"] != 1.0 || e1["statusCode"] != 422.0 || e1["error"] != "blueprint_schema_mismatch" || e1["identifier"] != "x" || e1["message"] == "" {
		t.Fatalf("error item 1: %v", e1)
	}
	if e2["index"] != 2.0 || e2["statusCode"] != 404.0 || e2["error"] != "not_found" {
		t.Fatalf("error item 2: %v", e2)
	}
	if p := props(t, c.srv, "service", "a"); p["tier"] != "standard" {
		t.Fatal("the valid item of a 207 was not written")
	}

	many := make([]string, 21)
	for i := range many {
		many[i] = svc(fmt.Sprintf("m%d", i), "critical")
	}
	st, body = c.do("POST", path, bulkBody(many...))
	wantError(t, st, body, 422, "invalid_request", "20")
	st, body = c.do("POST", path, bulkBody())
	wantError(t, st, body, 422, "invalid_request")
	// A route-schema breach in one item fails the whole request.
	st, body = c.do("POST", path, bulkBody(svc("ok1", "critical"), svc("bad id", "critical")))
	wantError(t, st, body, 422, "invalid_request", "entities/1")
	if _, ok := c.srv.Entity("service", "ok1"); ok {
		t.Fatal("a request refused whole wrote an entity")
	}
	st, body = c.do("POST", path, `{"entities": [], "extra": 1}`)
	wantError(t, st, body, 422, "invalid_request")
}

func TestBodyLimit(t *testing.T) {
	c := setup(t, porttest.WithMaxBody(400))
	small := bulkBody(svc("a", "critical"))
	if st, _ := c.do("POST", "/v1/blueprints/service/entities/bulk?upsert=true", small); st != 200 {
		t.Fatalf("small body: %d", st)
	}
	big := bulkBody(svc("b", "critical"), svc("c", "critical"), svc("d", "critical"), svc("e", "critical"), svc("f", "critical"), svc("g", "critical"), svc("h", "critical"))
	st, body := c.do("POST", "/v1/blueprints/service/entities/bulk?upsert=true", big)
	wantError(t, st, body, 413, "bad_request")
	if len(c.srv.Entities("service")) != 1 {
		t.Fatal("a 413 wrote entities")
	}
	c.srv.SetMaxBody(1 << 20)
	if st, _ := c.do("POST", "/v1/blueprints/service/entities/bulk?upsert=true", big); st != 200 {
		t.Fatalf("after SetMaxBody: %d", st)
	}
}

func TestBulkDelete(t *testing.T) {
	c := setup(t)
	for _, e := range []string{svc("a", "critical"), svc("b", "critical"), svc("c", "critical"),
		`{"identifier": "d", "properties": {"tier": "critical"}, "relations": {"dependsOn": ["a"]}}`} {
		c.do("POST", "/v1/blueprints/service/entities", e)
	}
	const path = "/v1/blueprints/service/bulk/entities/delete"
	st, body := c.do("POST", path, `{"entities": ["a", "b"]}`)
	wantError(t, st, body, 403, "has_dependents", "nothing was deleted")
	if len(c.srv.Entities("service")) != 4 {
		t.Fatal("a refused bulk delete deleted something")
	}
	// The dependent is in the list: fine. Unknown identifiers are skipped.
	st, body = c.do("POST", path+"?delete_dependents=false", `{"entities": ["a", "d", "ghost"]}`)
	if st != 200 || !reflect.DeepEqual(body["deletedEntities"], []any{"a", "d"}) {
		t.Fatalf("got %d %v", st, body)
	}
	c.do("POST", "/v1/blueprints/service/entities", `{"identifier": "e", "properties": {"tier": "critical"}, "relations": {"dependsOn": ["b"]}}`)
	if st, body := c.do("POST", path+"?delete_dependents=true", `{"entities": ["b"]}`); st != 200 || !reflect.DeepEqual(body["deletedEntities"], []any{"b"}) {
		t.Fatalf("got %d %v", st, body)
	}
	if got := keys(c.srv.Entities("service")); !reflect.DeepEqual(got, []string{"c"}) {
		t.Fatalf("left: %v", got)
	}
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = fmt.Sprintf("%q", fmt.Sprint("x", i))
	}
	st, body = c.do("POST", path, `{"entities": [`+strings.Join(ids, ",")+`]}`)
	wantError(t, st, body, 422, "invalid_request", "100")
}

func TestSearchPaging(t *testing.T) {
	c := setup(t)
	for i := range 25 {
		tier := "standard"
		if i%5 == 0 {
			tier = "critical"
		}
		if err := c.srv.PutEntity("service", json.RawMessage(svc(fmt.Sprintf("s%02d", i), tier))); err != nil {
			t.Fatal(err)
		}
	}
	const path = "/v1/blueprints/service/entities/search"
	var got []string
	from := ""
	pages := 0
	for {
		req := `{"limit": 10}`
		if from != "" {
			req = fmt.Sprintf(`{"limit": 10, "from": %q}`, from)
		}
		st, body := c.do("POST", path, req)
		if st != 200 {
			t.Fatalf("page %d: %d %v", pages, st, body)
		}
		pages++
		for _, e := range body["entities"].([]any) {
			got = append(got, e.(map[string]any)["identifier"].(string))
		}
		next, _ := body["next"].(string)
		if next == "" {
			break
		}
		from = next
	}
	if pages != 3 || len(got) != 25 || got[0] != "s00" || got[24] != "s24" || !sort.StringsAreSorted(got) {
		t.Fatalf("%d pages: %v", pages, got)
	}

	st, body := c.do("POST", path, `{"query": {"combinator": "and", "rules": [{"property": "tier", "operator": "=", "value": "critical"}, {"property": "$identifier", "operator": "in", "value": ["s00", "s05", "s07"]}]}}`)
	var ids []string
	for _, e := range body["entities"].([]any) {
		ids = append(ids, e.(map[string]any)["identifier"].(string))
	}
	if st != 200 || !reflect.DeepEqual(ids, []string{"s00", "s05"}) || body["next"] != nil {
		t.Fatalf("query: %d %v", st, ids)
	}
	st, body = c.do("POST", path, `{"limit": 0}`)
	wantError(t, st, body, 422, "invalid_request", "limit")
	st, body = c.do("POST", path, `{"from": "not a cursor"}`)
	wantError(t, st, body, 422, "invalid_request", "cursor")
	st, body = c.do("POST", path, `{"query": {"property": "tier", "operator": "~", "value": 1}}`)
	wantError(t, st, body, 422, "invalid_request", "~")
	st, body = c.do("POST", path, `{"size": 3}`)
	wantError(t, st, body, 422, "invalid_request", "size")
}

func TestFaultsApplyInOrderAndAreConsumed(t *testing.T) {
	c := setup(t)
	c.srv.Inject(porttest.Fault{Method: "GET", PathSuffix: "/blueprints/system", Status: 503, Times: 2})
	c.srv.Inject(porttest.Fault{Method: "GET", Status: 429, RetryAfter: "7", RateLimitReset: "1800000000"})
	c.srv.Inject(porttest.Fault{Match: func(method, path string) bool { return strings.HasSuffix(path, "/service") }, Status: 502, Body: `<html>bad gateway</html>`})
	if n := c.srv.PendingFaults(); n != 4 {
		t.Fatalf("pending %d", n)
	}
	// The service request skips the 503 (path), takes the 429 (first match).
	st, body, h := c.raw("GET", "/v1/blueprints/service", "", c.token)
	if st != 429 || h.Get("Retry-After") != "7" || h.Get("X-Ratelimit-Reset") != "1800000000" || h.Get("X-Ratelimit-Remaining") != "0" || body["ok"] != false {
		t.Fatalf("got %d %v %v", st, body, h)
	}
	var statuses []int
	for range 3 {
		st, _, _ := c.raw("GET", "/v1/blueprints/system", "", c.token)
		statuses = append(statuses, st)
	}
	if !reflect.DeepEqual(statuses, []int{503, 503, 200}) {
		t.Fatalf("system statuses %v", statuses)
	}
	resp, err := http.Get(c.srv.URL + "/v1/blueprints/service")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || string(data) != `<html>bad gateway</html>` {
		t.Fatalf("custom body: %d %s", resp.StatusCode, data)
	}
	if n := c.srv.PendingFaults(); n != 0 {
		t.Fatalf("pending %d after use", n)
	}

	c.srv.Inject(porttest.Fault{Method: "POST", PathSuffix: "/entities", Drop: true})
	if _, err := http.Post(c.srv.URL+"/v1/blueprints/system/entities", "application/json", strings.NewReader(`{"identifier": "x"}`)); err == nil {
		t.Fatal("a dropped connection should fail the request")
	}
	c.srv.Inject(porttest.Fault{ExpireToken: true})
	st, body = c.do("GET", "/v1/blueprints", "")
	wantError(t, st, body, 401, "unauthorized")

	c.srv.Inject(porttest.Fault{Status: 500, Times: 5})
	c.srv.ClearFaults()
	if st, _ := c.do("GET", "/v1/blueprints", ""); st != 401 {
		t.Fatalf("after ClearFaults the token is still expired, want 401, got %d", st)
	}
}

func TestFaultLatencyEndsWithTheClient(t *testing.T) {
	c := setup(t)
	c.srv.Inject(porttest.Fault{Latency: time.Hour})
	req, _ := http.NewRequest("GET", c.srv.URL+"/v1/blueprints", nil)
	client := &http.Client{Timeout: 50 * time.Millisecond}
	if _, err := client.Do(req); err == nil {
		t.Fatal("want a timeout")
	}
	// Close (in Cleanup) must not wait for the hour.
}

func TestRequestLog(t *testing.T) {
	c := setup(t)
	c.srv.ResetRequests()
	c.do("POST", "/v1/blueprints/service/entities?upsert=true&merge=false", svc("a/b", "critical"))
	c.do("GET", "/v1/blueprints/service/entities/"+url.PathEscape("a/b"), "")
	c.raw("GET", "/v1/blueprints", "", "")
	reqs := c.srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	w := reqs[0]
	if w.Method != "POST" || w.Path != "/v1/blueprints/service/entities" || w.Query.Get("upsert") != "true" || w.Query.Get("merge") != "false" ||
		!bytes.Contains(w.Body, []byte(`"a/b"`)) || !w.AuthHeader || !w.Authorized || w.UserAgent != "porttest-test" || !strings.HasPrefix(w.TraceID, "trace-") {
		t.Fatalf("write: %+v", w)
	}
	g := reqs[1]
	if g.Path != "/v1/blueprints/service/entities/a/b" || g.RawPath != "/v1/blueprints/service/entities/a%2Fb" {
		t.Fatalf("get: path %q raw %q", g.Path, g.RawPath)
	}
	if st, body := c.do("GET", "/v1/blueprints/service/entities/"+url.PathEscape("a/b"), ""); st != 200 || body["entity"].(map[string]any)["identifier"] != "a/b" {
		t.Fatalf("escaped identifier: %d %v", st, body)
	}
	if reqs[2].AuthHeader || reqs[2].Authorized {
		t.Fatalf("unauthenticated: %+v", reqs[2])
	}
	c.srv.ResetRequests()
	if len(c.srv.Requests()) != 0 {
		t.Fatal("ResetRequests kept requests")
	}
}

func TestNewAndEnv(t *testing.T) {
	srv := porttest.New(porttest.WithCredentials("cid", "csecret"))
	defer srv.Close()
	env := srv.Env()
	want := []string{"PORT_BASE_URL=" + srv.URL, "PORT_CLIENT_ID=cid", "PORT_CLIENT_SECRET=csecret"}
	if !reflect.DeepEqual(env, want) || !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("env %v", env)
	}
}
