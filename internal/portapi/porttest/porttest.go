// Package porttest is a local Port API for port-gitops's tests: an
// in-process HTTP server that keeps blueprints and entities in memory and
// answers as Port does (status codes, {ok:false,error,message} bodies,
// per-item bulk results, X-Trace-Id and rate-limit headers). It records every
// request and can inject faults: latency, 429s, 5xx, dropped connections,
// expired tokens, 413s.
//
// Its validation of entities is its own, deliberately simpler than
// port-gitops's validator, so that the two do not agree by construction.
package porttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is a request the server received.
type Request struct {
	Method     string
	Path       string // unescaped
	Query      url.Values
	Body       []byte
	Authorized bool // carried a valid bearer token
}

// Fault is an injected misbehaviour. It applies to requests whose method
// and path match, Times times (0 means once), in the order injected.
type Fault struct {
	Method     string // "" matches any
	PathSuffix string // "" matches any; else the unescaped path's suffix
	Times      int
	Status     int    // answer with this status (429, 500, 502, 503, 413...)
	RetryAfter string // Retry-After header with Status
	// RateLimitReset is the x-ratelimit-reset header with Status.
	RateLimitReset string
	Latency        time.Duration // wait before answering (or failing)
	Drop           bool          // close the connection without an answer
	ExpireToken    bool          // expire every token, then answer normally
}

// Option configures a Server.
type Option func(*Server)

// WithLatency delays every response.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithTokenTTL sets the lifetime of access tokens (default 3 hours).
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokenTTL = d } }

// WithMaxBody sets the largest request body accepted (default 1 MiB).
func WithMaxBody(n int) Option { return func(s *Server) { s.maxBody = n } }

// Server is the emulator.
type Server struct {
	URL          string
	ClientID     string
	ClientSecret string

	srv      *httptest.Server
	latency  time.Duration
	tokenTTL time.Duration
	maxBody  int

	mu         sync.Mutex
	blueprints map[string]map[string]any
	entities   map[string]map[string]map[string]any // blueprint → identifier → entity
	tokens     map[string]time.Time
	requests   []Request
	faults     []Fault
	seq        int
}

// New starts a server on 127.0.0.1. Close it when done.
func New(opts ...Option) *Server {
	s := &Server{
		ClientID:     "porttest-client",
		ClientSecret: "porttest-secret",
		tokenTTL:     3 * time.Hour,
		maxBody:      1 << 20,
		blueprints:   map[string]map[string]any{},
		entities:     map[string]map[string]map[string]any{},
		tokens:       map[string]time.Time{},
	}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/access_token", s.token)
	mux.HandleFunc("GET /v1/blueprints", s.auth(s.listBlueprints))
	mux.HandleFunc("POST /v1/blueprints", s.auth(s.createBlueprint))
	mux.HandleFunc("GET /v1/blueprints/{bp}", s.auth(s.getBlueprint))
	mux.HandleFunc("PUT /v1/blueprints/{bp}", s.auth(s.putBlueprint))
	mux.HandleFunc("DELETE /v1/blueprints/{bp}", s.auth(s.deleteBlueprint))
	mux.HandleFunc("POST /v1/blueprints/{bp}/entities", s.auth(s.upsertOne))
	mux.HandleFunc("POST /v1/blueprints/{bp}/entities/bulk", s.auth(s.upsertBulk))
	mux.HandleFunc("POST /v1/blueprints/{bp}/entities/search", s.auth(s.search))
	mux.HandleFunc("GET /v1/blueprints/{bp}/entities/{id}", s.auth(s.getEntity))
	mux.HandleFunc("DELETE /v1/blueprints/{bp}/entities/{id}", s.auth(s.deleteEntity))
	mux.HandleFunc("POST /v1/blueprints/{bp}/bulk/entities/delete", s.auth(s.bulkDelete))
	s.srv = httptest.NewServer(s.middleware(mux))
	s.URL = s.srv.URL
	return s
}

// NewT starts a server that closes when the test ends.
func NewT(t testing.TB, opts ...Option) *Server {
	s := New(opts...)
	t.Cleanup(s.Close)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// AddBlueprint stores a blueprint object.
func (s *Server) AddBlueprint(raw json.RawMessage) error {
	var bp map[string]any
	if err := json.Unmarshal(raw, &bp); err != nil {
		return err
	}
	id, _ := bp["identifier"].(string)
	if id == "" {
		return fmt.Errorf("blueprint has no identifier")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blueprints[id] = bp
	return nil
}

// Entities returns a copy of a blueprint's entities.
func (s *Server) Entities(bp string) map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]json.RawMessage{}
	for id, e := range s.entities[bp] {
		out[id], _ = json.Marshal(e)
	}
	return out
}

// Entity returns one entity.
func (s *Server) Entity(bp, id string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entities[bp][id]
	if !ok {
		return nil, false
	}
	raw, _ := json.Marshal(e)
	return raw, true
}

// PutEntity stores an entity as is, bypassing validation (test setup).
func (s *Server) PutEntity(bp string, raw json.RawMessage) error {
	var e map[string]any
	if err := json.Unmarshal(raw, &e); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entities[bp] == nil {
		s.entities[bp] = map[string]map[string]any{}
	}
	s.entities[bp][e["identifier"].(string)] = e
	return nil
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
}

// Inject adds a fault to the schedule.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
}

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// ExpireTokens makes every token issued so far invalid.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	s.tokens = map[string]time.Time{}
	s.mu.Unlock()
}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		s.mu.Lock()
		s.seq++
		trace := fmt.Sprintf("trace-%06d", s.seq)
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body, Authorized: s.validToken(r)})
		var fault *Fault
		for i := range s.faults {
			f := &s.faults[i]
			if (f.Method == "" || f.Method == r.Method) && strings.HasSuffix(r.URL.Path, f.PathSuffix) {
				cp := *f
				fault = &cp
				f.Times--
				if f.Times <= 0 {
					s.faults = append(s.faults[:i], s.faults[i+1:]...)
				}
				break
			}
		}
		if fault != nil && fault.ExpireToken {
			s.tokens = map[string]time.Time{}
		}
		s.mu.Unlock()
		h := w.Header()
		h.Set("X-Trace-Id", trace)
		h.Set("X-Ratelimit-Period", "300")
		h.Set("X-Ratelimit-Limit", "35000")
		h.Set("X-Ratelimit-Remaining", "34999")
		h.Set("X-Ratelimit-Reset", "300")
		if s.latency > 0 {
			time.Sleep(s.latency)
		}
		if fault != nil {
			if fault.Latency > 0 {
				time.Sleep(fault.Latency)
			}
			if fault.Drop {
				if hj, ok := w.(http.Hijacker); ok {
					if conn, _, err := hj.Hijack(); err == nil {
						conn.Close()
						return
					}
				}
			}
			if fault.Status != 0 {
				if fault.RetryAfter != "" {
					h.Set("Retry-After", fault.RetryAfter)
				}
				if fault.RateLimitReset != "" {
					h.Set("X-Ratelimit-Reset", fault.RateLimitReset)
				}
				fail(w, fault.Status, codeFor(fault.Status), "injected fault")
				return
			}
		}
		if len(body) > s.maxBody {
			fail(w, http.StatusRequestEntityTooLarge, "bad_request", "request body is larger than the limit")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func codeFor(status int) string {
	switch status {
	case 429:
		return "too_many_requests"
	case 413:
		return "bad_request"
	case 401:
		return "unauthorized"
	}
	return "internal_error"
}

func (s *Server) validToken(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	exp, ok := s.tokens[tok]
	return ok && time.Now().Before(exp)
}

func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		ok := s.validToken(r)
		s.mu.Unlock()
		if !ok {
			fail(w, http.StatusUnauthorized, "unauthorized", "missing or expired access token")
			return
		}
		h(w, r)
	}
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	reply(w, status, map[string]any{"ok": false, "error": code, "message": msg})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	var req struct{ ClientID, ClientSecret string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ClientID == "" || req.ClientSecret == "" {
		fail(w, http.StatusUnprocessableEntity, "invalid_request", "clientId and clientSecret are required")
		return
	}
	if req.ClientID != s.ClientID || req.ClientSecret != s.ClientSecret {
		fail(w, http.StatusUnauthorized, "unauthorized", "invalid credentials")
		return
	}
	s.mu.Lock()
	s.seq++
	tok := fmt.Sprintf("tok-%d-%d", s.seq, time.Now().UnixNano())
	s.tokens[tok] = time.Now().Add(s.tokenTTL)
	s.mu.Unlock()
	reply(w, http.StatusOK, map[string]any{"ok": true, "accessToken": tok, "expiresIn": int(s.tokenTTL.Seconds()), "tokenType": "Bearer"})
}

func (s *Server) listBlueprints(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.blueprints))
	for id := range s.blueprints {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	list := make([]any, 0, len(ids))
	for _, id := range ids {
		list = append(list, withMeta(s.blueprints[id]))
	}
	reply(w, http.StatusOK, map[string]any{"ok": true, "blueprints": list})
}

// withMeta adds the server-managed fields Port returns.
func withMeta(bp map[string]any) map[string]any {
	out := map[string]any{"createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-02T00:00:00.000Z", "createdBy": "porttest", "updatedBy": "porttest"}
	for k, v := range bp {
		out[k] = v
	}
	return out
}

func (s *Server) getBlueprint(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bp, ok := s.blueprints[r.PathValue("bp")]
	if !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("blueprint %q was not found", r.PathValue("bp")))
		return
	}
	reply(w, http.StatusOK, map[string]any{"ok": true, "blueprint": withMeta(bp)})
}

func (s *Server) createBlueprint(w http.ResponseWriter, r *http.Request) {
	var bp map[string]any
	if err := json.NewDecoder(r.Body).Decode(&bp); err != nil {
		fail(w, http.StatusUnprocessableEntity, "invalid_request", err.Error())
		return
	}
	id, _ := bp["identifier"].(string)
	if id == "" || bp["title"] == nil || bp["schema"] == nil {
		fail(w, http.StatusUnprocessableEntity, "invalid_request", "identifier, title and schema are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[id]; ok {
		fail(w, http.StatusConflict, "identifier_taken", fmt.Sprintf("blueprint %q already exists", id))
		return
	}
	s.blueprints[id] = bp
	reply(w, http.StatusCreated, map[string]any{"ok": true, "blueprint": withMeta(bp)})
}

func (s *Server) putBlueprint(w http.ResponseWriter, r *http.Request) {
	var bp map[string]any
	if err := json.NewDecoder(r.Body).Decode(&bp); err != nil {
		fail(w, http.StatusUnprocessableEntity, "invalid_request", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bp["identifier"] = r.PathValue("bp")
	s.blueprints[r.PathValue("bp")] = bp
	reply(w, http.StatusOK, map[string]any{"ok": true, "blueprint": withMeta(bp)})
}

func (s *Server) deleteBlueprint(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[r.PathValue("bp")]; !ok {
		fail(w, http.StatusNotFound, "not_found", "blueprint not found")
		return
	}
	delete(s.blueprints, r.PathValue("bp"))
	delete(s.entities, r.PathValue("bp"))
	reply(w, http.StatusOK, map[string]any{"ok": true})
}

type upsertFlags struct{ upsert, merge, validationOnly, createMissing bool }

func flags(q url.Values) upsertFlags {
	b := func(k string) bool { v, _ := strconv.ParseBool(q.Get(k)); return v }
	return upsertFlags{b("upsert"), b("merge"), b("validation_only"), b("create_missing_related_entities")}
}

// apiError is a per-entity failure.
type apiError struct {
	status      int
	code, msg   string
	identifier  string
	wasCreated  bool
	createdThis bool
}

func (s *Server) upsertOne(w http.ResponseWriter, r *http.Request) {
	var e map[string]any
	if err := json.NewDecoder(r.Body).Decode(&e); err != nil {
		fail(w, http.StatusUnprocessableEntity, "invalid_request", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bp, ok := s.blueprints[r.PathValue("bp")]
	if !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("blueprint %q was not found", r.PathValue("bp")))
		return
	}
	res := s.write(r.PathValue("bp"), bp, e, flags(r.URL.Query()))
	if res.status != 0 {
		fail(w, res.status, res.code, res.msg)
		return
	}
	status := http.StatusOK
	if res.createdThis {
		status = http.StatusCreated
	}
	reply(w, status, map[string]any{"ok": true, "entity": e})
}

func (s *Server) upsertBulk(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Entities []map[string]any `json:"entities"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, http.StatusUnprocessableEntity, "invalid_request", err.Error())
		return
	}
	if len(req.Entities) < 1 || len(req.Entities) > 20 {
		fail(w, http.StatusUnprocessableEntity, "invalid_request", "entities must hold 1 to 20 items")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bpID := r.PathValue("bp")
	bp, ok := s.blueprints[bpID]
	if !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("blueprint %q was not found", bpID))
		return
	}
	f := flags(r.URL.Query())
	okItems := []any{}
	errItems := []any{}
	for i, e := range req.Entities {
		res := s.write(bpID, bp, e, f)
		id, _ := e["identifier"].(string)
		if res.status != 0 {
			errItems = append(errItems, map[string]any{"identifier": id, "index": i, "statusCode": res.status, "error": res.code, "message": res.msg})
			continue
		}
		okItems = append(okItems, map[string]any{"identifier": id, "index": i, "created": res.createdThis, "additionalData": map[string]any{}})
	}
	status := http.StatusOK
	if len(errItems) > 0 {
		status = http.StatusMultiStatus
	}
	reply(w, status, map[string]any{"ok": len(errItems) == 0, "entities": okItems, "errors": errItems})
}

var identifierRE = regexp.MustCompile(`^[\p{L}0-9@_.+:\\/=-]+$`)

// write validates e against bp and stores it; s.mu is held.
func (s *Server) write(bpID string, bp map[string]any, e map[string]any, f upsertFlags) apiError {
	id, _ := e["identifier"].(string)
	if id == "" || id == "." || id == ".." || !identifierRE.MatchString(id) || len([]rune(id)) > 1000 {
		return apiError{status: 422, code: "invalid_request", msg: fmt.Sprintf("identifier %q does not match the identifier pattern", id)}
	}
	delete(e, "blueprint")
	if msg := checkProperties(bp, e); msg != "" {
		return apiError{status: 422, code: "blueprint_schema_mismatch", msg: msg}
	}
	rels, _ := bp["relations"].(map[string]any)
	entRels, _ := e["relations"].(map[string]any)
	var missing []struct{ bp, id string }
	for name, v := range entRels {
		def, ok := rels[name].(map[string]any)
		if !ok {
			return apiError{status: 422, code: "blueprint_schema_mismatch", msg: fmt.Sprintf("relation %q is not defined in blueprint %q", name, bpID)}
		}
		many, _ := def["many"].(bool)
		target, _ := def["target"].(string)
		var targets []string
		switch t := v.(type) {
		case nil:
		case string:
			if many {
				return apiError{status: 422, code: "relation_many_violation", msg: fmt.Sprintf("relation %q takes an array", name)}
			}
			targets = []string{t}
		case []any:
			if !many {
				return apiError{status: 422, code: "relation_many_violation", msg: fmt.Sprintf("relation %q takes one identifier", name)}
			}
			for _, x := range t {
				sx, _ := x.(string)
				targets = append(targets, sx)
			}
		default:
			return apiError{status: 422, code: "invalid_request", msg: fmt.Sprintf("relation %q has a value of the wrong type", name)}
		}
		for _, tid := range targets {
			if _, ok := s.entities[target][tid]; !ok && !(target == bpID && tid == id) {
				missing = append(missing, struct{ bp, id string }{target, tid})
			}
		}
	}
	for name, d := range rels {
		def, _ := d.(map[string]any)
		if req, _ := def["required"].(bool); req {
			if v, ok := entRels[name]; !ok || v == nil {
				return apiError{status: 422, code: "required_relation", msg: fmt.Sprintf("relation %q is required", name)}
			}
		}
	}
	if len(missing) > 0 && !f.createMissing {
		return apiError{status: 404, code: "not_found", msg: fmt.Sprintf("related entity %q of blueprint %q was not found", missing[0].id, missing[0].bp)}
	}
	existing, exists := s.entities[bpID][id]
	if exists && !f.upsert {
		return apiError{status: 409, code: "identifier_taken", msg: fmt.Sprintf("entity %q already exists", id)}
	}
	if f.validationOnly {
		return apiError{createdThis: !exists}
	}
	for _, m := range missing {
		if s.entities[m.bp] == nil {
			s.entities[m.bp] = map[string]map[string]any{}
		}
		if _, ok := s.entities[m.bp][m.id]; !ok {
			s.entities[m.bp][m.id] = map[string]any{"identifier": m.id, "properties": map[string]any{}, "relations": map[string]any{}}
		}
	}
	stored := e
	if exists && f.merge {
		stored = merge(existing, e)
	}
	if s.entities[bpID] == nil {
		s.entities[bpID] = map[string]map[string]any{}
	}
	s.entities[bpID][id] = stored
	return apiError{createdThis: !exists}
}

func merge(old, new map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range old {
		out[k] = v
	}
	for k, v := range new {
		if k == "properties" || k == "relations" {
			m := map[string]any{}
			if o, ok := old[k].(map[string]any); ok {
				for kk, vv := range o {
					m[kk] = vv
				}
			}
			if n, ok := v.(map[string]any); ok {
				for kk, vv := range n {
					m[kk] = vv
				}
			}
			out[k] = m
			continue
		}
		out[k] = v
	}
	return out
}

// checkProperties is the emulator's own schema check: declared properties,
// JSON types, enums and required properties.
func checkProperties(bp, e map[string]any) string {
	schema, _ := bp["schema"].(map[string]any)
	defs, _ := schema["properties"].(map[string]any)
	props, _ := e["properties"].(map[string]any)
	for k, v := range props {
		def, ok := defs[k].(map[string]any)
		if !ok {
			return fmt.Sprintf("property %q is not defined in the blueprint", k)
		}
		if v == nil {
			continue
		}
		want, _ := def["type"].(string)
		if got := jsonType(v); want != "" && got != want {
			return fmt.Sprintf("property %q must be %s, got %s", k, want, got)
		}
		if enum, ok := def["enum"].([]any); ok {
			found := false
			for _, x := range enum {
				if x == v {
					found = true
				}
			}
			if !found {
				return fmt.Sprintf("property %q must be one of the enum values", k)
			}
		}
	}
	req, _ := schema["required"].([]any)
	for _, r := range req {
		name, _ := r.(string)
		if v, ok := props[name]; !ok || v == nil {
			return fmt.Sprintf("required property %q is missing", name)
		}
	}
	return ""
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

func (s *Server) getEntity(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[r.PathValue("bp")]; !ok {
		fail(w, http.StatusNotFound, "not_found", "blueprint not found")
		return
	}
	e, ok := s.entities[r.PathValue("bp")][r.PathValue("id")]
	if !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("entity %q was not found", r.PathValue("id")))
		return
	}
	out := map[string]any{"blueprint": r.PathValue("bp")}
	for k, v := range e {
		out[k] = v
	}
	reply(w, http.StatusOK, map[string]any{"ok": true, "entity": out})
}

// dependents lists entities whose relations point at bp/id; s.mu is held.
func (s *Server) dependents(bp, id string) [][2]string {
	var out [][2]string
	for obp, ents := range s.entities {
		rels, _ := s.blueprints[obp]["relations"].(map[string]any)
		for oid, e := range ents {
			er, _ := e["relations"].(map[string]any)
			for name, v := range er {
				def, _ := rels[name].(map[string]any)
				if t, _ := def["target"].(string); t != bp {
					continue
				}
				switch x := v.(type) {
				case string:
					if x == id && !(obp == bp && oid == id) {
						out = append(out, [2]string{obp, oid})
					}
				case []any:
					for _, y := range x {
						if y == id && !(obp == bp && oid == id) {
							out = append(out, [2]string{obp, oid})
						}
					}
				}
			}
		}
	}
	return out
}

func (s *Server) deleteLocked(bp, id string, deleteDependents bool) (int, string, string) {
	if _, ok := s.entities[bp][id]; !ok {
		return 404, "not_found", fmt.Sprintf("entity %q was not found", id)
	}
	deps := s.dependents(bp, id)
	if len(deps) > 0 && !deleteDependents {
		return 403, "has_dependents", fmt.Sprintf("entity %q has dependents (e.g. %s/%s)", id, deps[0][0], deps[0][1])
	}
	delete(s.entities[bp], id)
	for _, d := range deps {
		delete(s.entities[d[0]], d[1])
	}
	return 0, "", ""
}

func (s *Server) deleteEntity(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dd, _ := strconv.ParseBool(r.URL.Query().Get("delete_dependents"))
	if st, code, msg := s.deleteLocked(r.PathValue("bp"), r.PathValue("id"), dd); st != 0 {
		fail(w, st, code, msg)
		return
	}
	reply(w, http.StatusOK, map[string]any{"ok": true})
}

func (s *Server) bulkDelete(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Entities []string `json:"entities"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Entities) < 1 || len(req.Entities) > 100 {
		fail(w, http.StatusUnprocessableEntity, "invalid_request", "entities must hold 1 to 100 identifiers")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bp := r.PathValue("bp")
	dd, _ := strconv.ParseBool(r.URL.Query().Get("delete_dependents"))
	if !dd {
		for _, id := range req.Entities {
			if deps := s.dependents(bp, id); len(deps) > 0 {
				fail(w, http.StatusForbidden, "has_dependents", fmt.Sprintf("entity %q has dependents; nothing was deleted", id))
				return
			}
		}
	}
	deleted := []string{}
	for _, id := range req.Entities {
		if st, _, _ := s.deleteLocked(bp, id, dd); st == 0 {
			deleted = append(deleted, id)
		}
	}
	reply(w, http.StatusOK, map[string]any{"ok": true, "deletedEntities": deleted})
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Limit int    `json:"limit"`
		From  string `json:"from"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	if req.Limit <= 0 || req.Limit > 1000 {
		req.Limit = 200
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ents := s.entities[r.PathValue("bp")]
	ids := make([]string, 0, len(ents))
	for id := range ents {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	start := sort.SearchStrings(ids, req.From)
	if req.From != "" && start < len(ids) && ids[start] == req.From {
		start++
	}
	end := min(start+req.Limit, len(ids))
	page := []any{}
	for _, id := range ids[start:end] {
		page = append(page, ents[id])
	}
	body := map[string]any{"ok": true, "entities": page}
	if end < len(ids) {
		body["next"] = ids[end-1]
	}
	reply(w, http.StatusOK, body)
}
