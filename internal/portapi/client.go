// Package portapi is port-gitops's client for Port's REST API: auth with
// client credentials, bulk upserts and deletes, retries with backoff that
// honour Port's rate-limit headers, and typed errors that carry Port's error
// code and trace id.
//
// It never prints and never reads the environment: callers pass credentials
// in. The client secret and access tokens never appear in an error or a log
// line it produces.
package portapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	gosync "sync"
	"time"
)

// Base URLs of Port's regions.
const (
	EUBaseURL = "https://api.getport.io"
	USBaseURL = "https://api.us.getport.io"
)

// Limits of Port's bulk endpoints.
const (
	MaxBulkEntities = 20
	MaxBodyBytes    = 1 << 20
	MaxBulkDelete   = 100
)

// ErrNoCredentials says PORT_CLIENT_ID or PORT_CLIENT_SECRET is missing.
var ErrNoCredentials = errors.New("Port credentials missing: set PORT_CLIENT_ID and PORT_CLIENT_SECRET")

// ResolveBaseURL picks the API base URL: the flag, else the environment's
// PORT_BASE_URL, else the region (eu, the default, or us). A trailing / or
// /v1 is dropped. http:// is refused except on loopback, so that a typo
// never sends credentials in clear text.
func ResolveBaseURL(flagURL, envURL, region string) (string, error) {
	raw := flagURL
	if raw == "" {
		raw = envURL
	}
	if raw == "" {
		switch region {
		case "", "eu":
			return EUBaseURL, nil
		case "us":
			return USBaseURL, nil
		default:
			return "", fmt.Errorf("unknown region %q (valid: eu, us)", region)
		}
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("API URL %q is not an http(s) URL such as %s", raw, EUBaseURL)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", fmt.Errorf("API URL %q uses http://: credentials would travel in clear text; use https:// (http is allowed only on loopback)", raw)
	}
	p := strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/v1")
	return u.Scheme + "://" + u.Host + strings.TrimRight(p, "/"), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RetryPolicy bounds retries of a request.
type RetryPolicy struct {
	MaxAttempts int           // total attempts, first included (default 6)
	MaxElapsed  time.Duration // give up after this long (default 2 minutes)
	BaseDelay   time.Duration // first backoff (default 250 ms)
	MaxDelay    time.Duration // cap of one wait (default 30 s)
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 6
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = 2 * time.Minute
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 250 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	return p
}

// Config configures a Client.
type Config struct {
	BaseURL      string // from ResolveBaseURL
	ClientID     string
	ClientSecret string
	UserAgent    string
	HTTPClient   *http.Client // nil: a client with a 60 s timeout
	Retry        RetryPolicy
	// Concurrency is how many bulk requests BulkUpsert keeps in flight (default 4).
	Concurrency int
	// Logf, when set, receives one line per request: method, path, status,
	// duration, attempt and trace id; never headers or bodies.
	Logf func(format string, args ...any)
	// Sleep waits between retries; nil means a timer that honours ctx. Tests
	// replace it so they never sleep for real.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Client talks to Port. It is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client

	mu       gosync.Mutex
	token    string
	tokenExp time.Time
}

// New returns a client, or ErrNoCredentials.
func New(cfg Config) (*Client, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, ErrNoCredentials
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = EUBaseURL
	}
	cfg.Retry = cfg.Retry.withDefaults()
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "port-gitops"
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	// Never carry the Authorization header to another host on a redirect.
	c := *hc
	origin, _ := url.Parse(cfg.BaseURL)
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		if origin == nil || req.URL.Host != origin.Host || req.URL.Scheme != origin.Scheme {
			req.Header.Del("Authorization")
		}
		return nil
	}
	return &Client{cfg: cfg, http: &c}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Error is Port answering a request with an error.
type Error struct {
	Status  int
	Code    string // Port's machine code, e.g. blueprint_schema_mismatch
	Message string
	TraceID string
	Method  string
	Path    string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "port api: %s %s: %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.TraceID != "" {
		fmt.Fprintf(&b, " (trace id %s)", e.TraceID)
	}
	return b.String()
}

// IsNotFound reports whether err is Port's 404.
func IsNotFound(err error) bool { return statusIs(err, http.StatusNotFound) }

// IsConflict reports whether err is Port's 409.
func IsConflict(err error) bool { return statusIs(err, http.StatusConflict) }

func statusIs(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// request is one API call, re-sendable for retries.
type request struct {
	method string
	path   string // below the base URL, starting /v1/
	query  url.Values
	body   []byte
	auth   bool
}

// response is what do tells of the final answer.
type response struct {
	status  int
	traceID string
}

// do sends req with retries and decodes a 2xx body into out (if not nil).
func (c *Client) do(ctx context.Context, req request, out any) (response, error) {
	start := c.cfg.Now()
	pol := c.cfg.Retry
	refreshed := false
	for attempt := 1; ; attempt++ {
		status, hdr, body, err := c.send(ctx, req, attempt)
		if err == nil && status == http.StatusUnauthorized && req.auth && !refreshed {
			// An expired or revoked token: fetch a new one and retry once.
			refreshed = true
			c.dropToken()
			attempt--
			continue
		}
		if err == nil && status < 300 {
			res := response{status: status, traceID: hdr.Get("X-Trace-Id")}
			if out != nil && len(body) > 0 {
				if err := json.Unmarshal(body, out); err != nil {
					return res, fmt.Errorf("port api: %s %s: unreadable response: %v", req.method, req.path, err)
				}
			}
			return res, nil
		}
		var apiErr error
		if err != nil {
			if ctx.Err() != nil {
				return response{}, ctx.Err()
			}
			apiErr = fmt.Errorf("port api: %s %s: %w", req.method, req.path, redactErr(err))
		} else {
			apiErr = parseError(req, status, hdr, body)
		}
		if (err == nil && !retryableStatus(status)) || (err != nil && !retryableNetErr(err)) {
			return response{status: status}, apiErr
		}
		wait := backoff(pol, attempt)
		if err == nil {
			if d, ok := retryAfter(hdr, c.cfg.Now()); ok {
				wait = min(d, pol.MaxDelay)
			}
		}
		if attempt >= pol.MaxAttempts || c.cfg.Now().Sub(start)+wait > pol.MaxElapsed {
			return response{status: status}, fmt.Errorf("%w (gave up after %d attempts)", apiErr, attempt)
		}
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return response{status: status}, err
		}
	}
}

func (c *Client) send(ctx context.Context, req request, attempt int) (int, http.Header, []byte, error) {
	u := c.cfg.BaseURL + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u, body)
	if err != nil {
		return 0, nil, nil, err
	}
	hr.Header.Set("User-Agent", c.cfg.UserAgent)
	hr.Header.Set("Accept", "application/json")
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.auth {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return 0, nil, nil, err
		}
		hr.Header.Set("Authorization", "Bearer "+tok)
	}
	t0 := time.Now()
	resp, err := c.http.Do(hr)
	if err != nil {
		c.logf("%s %s: %v (attempt %d, %s)", req.method, req.path, redactErr(err), attempt, time.Since(t0).Round(time.Millisecond))
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	c.logf("%s %s: %d (attempt %d, %s, trace id %s)", req.method, req.path+queryText(req.query), resp.StatusCode, attempt, time.Since(t0).Round(time.Millisecond), resp.Header.Get("X-Trace-Id"))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, data, nil
}

func queryText(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func (c *Client) logf(format string, args ...any) {
	if c.cfg.Logf != nil {
		c.cfg.Logf(format, args...)
	}
}

// redactErr drops URLs' query strings from transport errors; no secret is
// ever in a URL, but this keeps error text short and safe by construction.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s", strings.TrimSpace(ue.Err.Error()))
	}
	return err
}

func parseError(req request, status int, hdr http.Header, body []byte) *Error {
	e := &Error{Status: status, Method: req.method, Path: req.path, TraceID: hdr.Get("X-Trace-Id")}
	var b struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &b) == nil {
		e.Code, e.Message = b.Error, b.Message
	}
	if e.Message == "" && e.Code == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

func retryableStatus(s int) bool {
	return s == http.StatusTooManyRequests || s == http.StatusRequestTimeout || s >= 500 && s != http.StatusNotImplemented
}

func retryableNetErr(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var te *tokenError
	return !errors.As(err, &te)
}

// backoff is exponential with full jitter.
func backoff(p RetryPolicy, attempt int) time.Duration {
	d := p.BaseDelay << min(attempt-1, 20)
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// retryAfter reads Retry-After (seconds or an HTTP date), else
// x-ratelimit-reset, which Port's own clients read both as seconds and as a
// UNIX time: a value over 10,000 is taken as a UNIX time.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := h.Get("Retry-After"); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
			return time.Duration(n * float64(time.Second)), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	if v := h.Get("X-Ratelimit-Reset"); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
			if n > 10000 {
				return max(time.Unix(int64(n), 0).Sub(now), 0), true
			}
			return time.Duration(n * float64(time.Second)), true
		}
	}
	return 0, false
}

// tokenError is a failure to get an access token that retrying cannot fix.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

func (c *Client) dropToken() {
	c.mu.Lock()
	c.token = ""
	c.mu.Unlock()
}

// accessToken returns a cached token, fetching one when there is none or it
// has expired. Concurrent callers share one fetch.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.cfg.Now().Before(c.tokenExp) {
		return c.token, nil
	}
	body, _ := json.Marshal(map[string]string{"clientId": c.cfg.ClientID, "clientSecret": c.cfg.ClientSecret})
	var out struct {
		AccessToken string  `json:"accessToken"`
		ExpiresIn   float64 `json:"expiresIn"`
	}
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/auth/access_token", body: body}, &out)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden || e.Status == http.StatusUnprocessableEntity) {
			return "", &tokenError{fmt.Errorf("Port rejected the credentials (PORT_CLIENT_ID / PORT_CLIENT_SECRET): %w", err)}
		}
		return "", &tokenError{fmt.Errorf("get an access token: %w", err)}
	}
	if out.AccessToken == "" {
		return "", &tokenError{errors.New("get an access token: Port's answer has no accessToken")}
	}
	c.token = out.AccessToken
	ttl := time.Duration(out.ExpiresIn * float64(time.Second))
	if ttl <= 0 {
		ttl = time.Hour
	}
	// Refresh a little early rather than send a token about to expire.
	c.tokenExp = c.cfg.Now().Add(ttl - min(ttl/10, time.Minute))
	return c.token, nil
}
