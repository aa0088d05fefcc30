// Package porttest is a local Port API for port-gitops's tests: an
// in-process HTTP server on 127.0.0.1 that keeps blueprints and entities in
// memory and answers the routes port-gitops uses as Port does (status codes,
// {"ok": false, "error", "message"} bodies, per-entity bulk results,
// X-Trace-Id and x-ratelimit-* headers). It records every request and
// injects faults on a schedule: latency, 429s with Retry-After or
// x-ratelimit-reset, 5xx, 413, dropped connections, expired tokens.
//
// Its validation of entities is its own and deliberately simple (identifier
// pattern, declared properties with their JSON type and enum, required
// properties, declared relations and their cardinality, related entities
// that exist): it must not import port-gitops's validator, so the two cannot
// agree by construction. It is for tests only: it must not be imported by
// non-test code, print, or read the environment.
package porttest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Defaults of a new Server.
const (
	DefaultClientID     = "porttest-client"
	DefaultClientSecret = "porttest-secret"
	DefaultTokenTTL     = 3 * time.Hour // Port's token lifetime
	DefaultMaxBody      = 1 << 20       // Port's 1 MiB body limit
	maxBulkEntities     = 20
	maxBulkDelete       = 100
	rateLimit           = 35000
	rateLimitPeriod     = 300 * time.Second
)

// Request is a request the server received.
type Request struct {
	Method  string
	Path    string // unescaped, e.g. /v1/blueprints/a/b/entities (an identifier may hold "/")
	RawPath string // as sent, escaped, e.g. /v1/blueprints/a%2Fb/entities
	Query   url.Values
	Body    []byte
	// AuthHeader is true when the request carried an Authorization header.
	AuthHeader bool
	// Authorized is true when it carried a token the server had issued and
	// not expired.
	Authorized bool
	UserAgent  string
	TraceID    string // the X-Trace-Id of the answer
}

// Option configures a Server.
type Option func(*Server)

// WithLatency delays every answer by d (use SetLatency to change it later).
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithTokenTTL sets the lifetime of access tokens (default 3 hours).
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokenTTL = d } }

// WithMaxBody sets the largest request body accepted before answering 413
// (default 1 MiB), so that tests can trigger 413 with small bodies.
func WithMaxBody(n int) Option { return func(s *Server) { s.maxBody = n } }

// WithCredentials sets the client id and secret the token route accepts.
func WithCredentials(id, secret string) Option {
	return func(s *Server) { s.ClientID, s.ClientSecret = id, secret }
}

// WithTokenFunc sets how access tokens are made: f(n) is the n-th token
// issued, from 1. Tests use it to know a token (for example a canary that
// must never be printed).
func WithTokenFunc(f func(n int) string) Option { return func(s *Server) { s.tokenFunc = f } }

// Server is the emulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:port.
	URL string
	// ClientID and ClientSecret are the credentials the token route accepts.
	ClientID     string
	ClientSecret string

	srv       *httptest.Server
	tokenFunc func(n int) string
	started   time.Time

	mu         sync.Mutex
	latency    time.Duration
	tokenTTL   time.Duration
	maxBody    int
	blueprints map[string]map[string]any
	entities   map[string]map[string]*record // blueprint → identifier → entity
	tokens     map[string]time.Time          // token → expiry
	current    string                        // the token handed out while it is valid
	issued     int
	requests   []Request
	faults     []*Fault
	seq        int
	inFlight   int
	peak       int
	streamed   atomic.Int64 // body bytes written by StreamBytes faults
	hooks      []func(Request)
}

// record is a stored entity and the times Port would report.
type record struct {
	e                  map[string]any
	createdAt, updated time.Time
}

// New starts a server on 127.0.0.1. Close it when done; NewT does that for
// a test. It works anywhere a server is needed, testscript's Setup
// included (start it there and pass srv.Close to env.Defer).
func New(opts ...Option) *Server {
	s := &Server{
		ClientID:     DefaultClientID,
		ClientSecret: DefaultClientSecret,
		tokenTTL:     DefaultTokenTTL,
		maxBody:      DefaultMaxBody,
		blueprints:   map[string]map[string]any{},
		entities:     map[string]map[string]*record{},
		tokens:       map[string]time.Time{},
		started:      time.Now(),
	}
	for _, o := range opts {
		o(s)
	}
	if s.tokenFunc == nil {
		s.tokenFunc = randomToken
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
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("porttest has no route %s %s", r.Method, r.URL.Path))
	})
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

// Close stops the server. Requests held by latency end early.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Env returns PORT_BASE_URL, PORT_CLIENT_ID and PORT_CLIENT_SECRET for the
// server, as KEY=value, for a process or a testscript environment.
func (s *Server) Env() []string {
	return []string{"PORT_BASE_URL=" + s.URL, "PORT_CLIENT_ID=" + s.ClientID, "PORT_CLIENT_SECRET=" + s.ClientSecret}
}

func randomToken(n int) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return fmt.Sprintf("porttest-token-%d-%s", n, hex.EncodeToString(b))
}

// SetLatency changes the delay of every answer.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetMaxBody changes the largest request body accepted.
func (s *Server) SetMaxBody(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxBody = n
}

// AddBlueprint stores a blueprint object as is, without the checks of
// POST /v1/blueprints (test setup). It replaces one with the same
// identifier.
func (s *Server) AddBlueprint(raw json.RawMessage) error {
	var bp map[string]any
	if err := json.Unmarshal(raw, &bp); err != nil {
		return fmt.Errorf("add blueprint: %w", err)
	}
	id, _ := bp["identifier"].(string)
	if id == "" {
		return errors.New("add blueprint: no identifier")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blueprints[id] = bp
	return nil
}

// Blueprint returns a stored blueprint, as stored.
func (s *Server) Blueprint(id string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bp, ok := s.blueprints[id]
	if !ok {
		return nil, false
	}
	raw, _ := json.Marshal(bp)
	return raw, true
}

// Entities returns a snapshot of a blueprint's entities, identifier →
// entity as stored (without the blueprint and time fields GET adds).
func (s *Server) Entities(bp string) map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]json.RawMessage{}
	for id, r := range s.entities[bp] {
		out[id], _ = json.Marshal(r.e)
	}
	return out
}

// Entity returns one entity as stored.
func (s *Server) Entity(bp, id string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.entities[bp][id]
	if !ok {
		return nil, false
	}
	raw, _ := json.Marshal(r.e)
	return raw, true
}

// PutEntity stores an entity as is, bypassing validation (test setup).
func (s *Server) PutEntity(bp string, raw json.RawMessage) error {
	var e map[string]any
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("put entity: %w", err)
	}
	id, _ := e["identifier"].(string)
	if id == "" {
		return errors.New("put entity: no identifier")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store(bp, id, e)
	return nil
}

// store saves e; s.mu is held.
func (s *Server) store(bp, id string, e map[string]any) (created bool) {
	now := time.Now().UTC()
	if s.entities[bp] == nil {
		s.entities[bp] = map[string]*record{}
	}
	if r, ok := s.entities[bp][id]; ok {
		r.e, r.updated = e, now
		return false
	}
	s.entities[bp][id] = &record{e: e, createdAt: now, updated: now}
	return true
}

// Requests returns the requests received so far, in order of arrival.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests forgets the requests received so far and the peak of
// concurrent requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.peak = s.inFlight
}

// MaxConcurrent returns the most requests the server was handling at once
// since it started or ResetRequests.
func (s *Server) MaxConcurrent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// ExpireTokens makes every token issued so far invalid: the next request
// that carries one gets 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireTokensLocked()
}

func (s *Server) expireTokensLocked() {
	s.tokens = map[string]time.Time{}
	s.current = ""
}

func (s *Server) validToken(r *http.Request) bool {
	tok, ok := cutBearer(r.Header.Get("Authorization"))
	if !ok {
		return false
	}
	exp, ok := s.tokens[tok]
	return ok && time.Now().Before(exp)
}

func cutBearer(h string) (string, bool) {
	if len(h) > 7 && (h[:7] == "Bearer " || h[:7] == "bearer ") {
		return h[7:], true
	}
	return "", false
}

// auth answers 401 unless the request carries a valid token.
func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		ok := s.validToken(r)
		s.mu.Unlock()
		if !ok {
			fail(w, http.StatusUnauthorized, "unauthorized", "the access token is missing, invalid or expired")
			return
		}
		h(w, r)
	}
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	reply(w, status, map[string]any{"ok": false, "error": code, "message": msg})
}

// token is POST /v1/auth/access_token. While a token is valid the same one
// is handed out again, as Port does.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	var req map[string]any
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, http.StatusUnprocessableEntity, "invalid_request", "the body must be a JSON object with clientId and clientSecret")
		return
	}
	id, okID := req["clientId"].(string)
	secret, okSecret := req["clientSecret"].(string)
	if !okID || !okSecret || len(req) != 2 {
		fail(w, http.StatusUnprocessableEntity, "invalid_request", "the body must hold exactly clientId and clientSecret, both strings")
		return
	}
	if id != s.ClientID || secret != s.ClientSecret {
		fail(w, http.StatusUnauthorized, "unauthorized", "the client id or client secret is wrong")
		return
	}
	s.mu.Lock()
	now := time.Now()
	if exp, ok := s.tokens[s.current]; !ok || !now.Before(exp) {
		s.issued++
		s.current = s.tokenFunc(s.issued)
		s.tokens[s.current] = now.Add(s.tokenTTL)
	}
	tok, left := s.current, s.tokens[s.current].Sub(now)
	s.mu.Unlock()
	reply(w, http.StatusOK, map[string]any{"ok": true, "accessToken": tok, "expiresIn": left.Seconds(), "tokenType": "Bearer"})
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
