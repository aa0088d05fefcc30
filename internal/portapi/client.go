// Package portapi is port-gitops's client for Port's REST API: it gets and
// caches an access token from client credentials, reads blueprints, writes
// and deletes entities (one at a time or in bulk batches), retries what is
// worth retrying with backoff that honours Port's rate-limit headers, and
// returns typed errors carrying Port's error code and trace id.
//
// It must not print, read the process environment or os.Args, or import
// urfave/cli: callers pass the base URL and credentials in Config and get
// data and errors back. The client secret and access tokens never appear in
// an error, a log line or a formatted Config or Client.
package portapi

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	gosync "sync"
	"time"
)

// Limits of Port's API that the client respects.
const (
	// MaxBulkEntities is the most entities one bulk upsert request may carry.
	MaxBulkEntities = 20
	// MaxBodyBytes is the largest request body Port accepts (1 MiB).
	MaxBodyBytes = 1 << 20
	// MaxBulkDelete is the most identifiers one bulk delete request may carry.
	MaxBulkDelete = 100
	// searchPageSize is the page size SearchEntities asks for (Port's maximum).
	searchPageSize = 1000
)

// Bounds of what the client reads of an answer, so that a misbehaving or
// hostile server cannot make it hold an unbounded body in memory. An answer
// over its bound is a *TooLargeError; the rest of it is never read.
const (
	// MaxBlueprintBytes bounds the answer to a GET of one blueprint, and
	// so one blueprint (4 MiB: Port's largest real blueprints are tens of
	// KiB).
	MaxBlueprintBytes = 4 << 20
	// MaxBlueprintListBytes bounds the answer listing every blueprint.
	MaxBlueprintListBytes = 32 << 20
	// MaxSearchPageBytes bounds one page of an entity search (up to 1000
	// entities).
	MaxSearchPageBytes = 64 << 20
	// maxAnswerBytes bounds every other answer: one entity (Port accepts
	// at most 1 MiB), bulk results, the token.
	maxAnswerBytes = 4 << 20
	// maxErrorBytes is how much of an error answer is read for Port's code
	// and message; the rest is dropped.
	maxErrorBytes = 64 << 10
)

// DefaultRateLimitBudget is RetryPolicy.RateLimitBudget's default.
const DefaultRateLimitBudget = 10 * time.Minute

// ErrRateLimitBudget is wrapped by the error of a request that was still
// rate limited when the client's RateLimitBudget was spent.
var ErrRateLimitBudget = errors.New("the rate-limit budget is spent")

// ErrNoCredentials says the client id or the client secret is missing.
var ErrNoCredentials = errors.New("missing Port credentials: set PORT_CLIENT_ID and PORT_CLIENT_SECRET")

// RetryPolicy bounds retries. Zero fields take the defaults noted.
//
// Rate limits (429, or 503 with Retry-After: Port says when to come back)
// are retried for as long as Port keeps saying so, each wait as long as
// Retry-After, else x-ratelimit-reset, says (at least BaseDelay, at most
// MaxDelay), until the client as a whole has spent RateLimitBudget waiting
// them out. That budget is shared by every request of the client (one run),
// and waits that overlap in time count once.
//
// Every other retryable failure (5xx, 408, dropped or refused connections,
// timeouts, 429 without a time to come back) stops a request at whichever
// bound comes first: MaxAttempts, or MaxElapsed of time spent on it besides
// rate-limit waits (the next wait is not started when it would pass).
type RetryPolicy struct {
	MaxAttempts int           // attempts in all, the first included (default 6; 1 disables retries)
	MaxElapsed  time.Duration // time budget of one request from its first attempt (default 2 minutes)
	BaseDelay   time.Duration // backoff before the second attempt, doubled after each (default 500 ms)
	// MaxDelay caps any one wait, Retry-After included (default 60 s: a
	// Retry-After of an hour from a broken proxy costs one more request a
	// minute, not a silent hour, and Port's 5-minute window is re-asked at
	// most five times).
	MaxDelay time.Duration
	// RateLimitBudget is the total time the client may wait out rate
	// limits (default 10 minutes, two of Port's 5-minute windows).
	RateLimitBudget time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 6
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = 2 * time.Minute
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 60 * time.Second
	}
	if p.RateLimitBudget <= 0 {
		p.RateLimitBudget = DefaultRateLimitBudget
	}
	return p
}

// Config configures a Client.
type Config struct {
	// BaseURL is Port's API origin, as ResolveBaseURL returns it
	// ("" means EUBaseURL). New applies the same checks.
	BaseURL      string
	ClientID     string
	ClientSecret string
	// UserAgent is sent with every request; callers pass
	// "port-gitops/<version>" ("" means "port-gitops").
	UserAgent string
	// HTTPClient sends the requests (nil: one with a 60 s timeout per
	// request). New uses a copy whose CheckRedirect is replaced: see New.
	HTTPClient *http.Client
	Retry      RetryPolicy
	// Concurrency is how many bulk upsert batches BulkUpsert keeps in
	// flight at once (default 4).
	Concurrency int
	// Logf, when set, receives one line per HTTP request sent: method, path
	// and query, status or transport error, duration, trace id, attempt and
	// the wait before the next attempt. Never headers or bodies. It may be
	// called from several goroutines at once.
	Logf func(format string, args ...any)
	// Notify, when set, receives one line per wait before a retry, for
	// people watching the run: "rate limited by Port, waiting 2s", or
	// "cannot reach https://host/v1/...: connection refused; retrying in
	// 2s". Waits of concurrent requests for the same rate limit are told
	// once. URLs in it carry no user information or query; it never holds
	// a secret. It may be called from several goroutines at once.
	Notify func(line string)
}

// String describes the configuration without the client secret.
func (c Config) String() string {
	secret := "(empty)"
	if c.ClientSecret != "" {
		secret = "[redacted]"
	}
	return fmt.Sprintf("portapi.Config{BaseURL: %q, ClientID: %q, ClientSecret: %s, UserAgent: %q, Retry: %+v, Concurrency: %d}",
		c.BaseURL, c.ClientID, secret, c.UserAgent, c.Retry, c.Concurrency)
}

// GoString is String, so that %#v does not print the secret either.
func (c Config) GoString() string { return c.String() }

// Client talks to one Port organisation. It is safe for concurrent use; an
// access token fetched by one call is shared by all.
type Client struct {
	baseURL      string // origin, no trailing slash
	baseHost     string // scheme://host of baseURL, for redirect checks
	clientID     string
	clientSecret string
	userAgent    string
	http         *http.Client
	retry        RetryPolicy
	concurrency  int
	// slots bounds bulk requests in flight across every call of this
	// client, so callers that run several BulkUpserts at once still send
	// at most concurrency requests together.
	slots  chan struct{}
	logf   func(format string, args ...any)
	notify func(line string)

	// rl is the rate-limit budget's account, shared by every request.
	rl struct {
		gosync.Mutex
		spent time.Duration // wall-clock time covered by rate-limit waits
		until time.Time     // when the latest rate-limit wait ends
	}

	// Seams for tests: waiting between attempts, the clock, and the jitter
	// source (returns a value in [0, n)).
	sleep  func(ctx context.Context, d time.Duration) error
	now    func() time.Time
	jitter func(n int64) int64

	tok tokenCache
}

// New returns a client for cfg. Missing credentials give an error wrapping
// ErrNoCredentials that names what is missing; white space around the client
// id and secret is dropped (a copy-paste leftover: Port's never hold any).
// A base URL that ResolveBaseURL would refuse is refused too.
//
// Redirects: the client follows at most 10, never to plain http on a host
// that is not loopback (as a first request to such a URL is refused), and
// never carries the Authorization header to another scheme, host or port;
// it refuses to re-send a request body (which may hold the client secret)
// there.
func New(cfg Config) (*Client, error) {
	id, secret := strings.TrimSpace(cfg.ClientID), strings.TrimSpace(cfg.ClientSecret)
	switch {
	case id == "" && secret == "":
		return nil, ErrNoCredentials
	case id == "":
		return nil, fmt.Errorf("%w (PORT_CLIENT_ID is empty)", ErrNoCredentials)
	case secret == "":
		return nil, fmt.Errorf("%w (PORT_CLIENT_SECRET is empty)", ErrNoCredentials)
	}
	base := EUBaseURL
	if cfg.BaseURL != "" {
		var err error
		if base, err = ResolveBaseURL(cfg.BaseURL, "", ""); err != nil {
			return nil, fmt.Errorf("new Port client: %w", err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("new Port client: %w", err)
	}
	c := &Client{
		baseURL:      base,
		baseHost:     u.Scheme + "://" + u.Host,
		clientID:     id,
		clientSecret: secret,
		userAgent:    cfg.UserAgent,
		retry:        cfg.Retry.withDefaults(),
		concurrency:  cfg.Concurrency,
		logf:         cfg.Logf,
		notify:       cfg.Notify,
		sleep:        sleepContext,
		now:          time.Now,
		jitter:       rand.Int64N,
	}
	if c.userAgent == "" {
		c.userAgent = "port-gitops"
	}
	if c.concurrency <= 0 {
		c.concurrency = 4
	}
	c.slots = make(chan struct{}, c.concurrency)
	hc := http.Client{Timeout: 60 * time.Second}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.CheckRedirect = c.checkRedirect
	c.http = &hc
	return c, nil
}

// String names the client's base URL; it never shows credentials or tokens.
func (c *Client) String() string { return "portapi.Client(" + c.baseURL + ")" }

// GoString is String, so that %#v does not print credentials either.
func (c *Client) GoString() string { return c.String() }

// BaseURL returns the origin the client sends requests to.
func (c *Client) BaseURL() string { return c.baseURL }

// checkRedirect keeps credentials on Port's origin.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if !strings.EqualFold(req.URL.Scheme, "https") && !(strings.EqualFold(req.URL.Scheme, "http") && isLoopback(req.URL.Hostname())) {
		return fmt.Errorf("refusing a redirect to %s: only https:// is followed (http only on loopback), or the answer could be read or changed on the way",
			DisplayURL(req.URL))
	}
	if req.URL.Scheme+"://"+req.URL.Host == c.baseHost {
		return nil
	}
	req.Header.Del("Authorization")
	req.Header.Del("Cookie")
	if req.Body != nil && req.Body != http.NoBody {
		return fmt.Errorf("refusing to re-send a request body to %s, another host than %s", req.URL.Host, c.baseHost)
	}
	return nil
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
