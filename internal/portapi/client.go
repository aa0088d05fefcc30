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
	// maxResponseBytes bounds how much of a response body is read.
	maxResponseBytes = 256 << 20
)

// ErrNoCredentials says the client id or the client secret is missing.
var ErrNoCredentials = errors.New("missing Port credentials: set PORT_CLIENT_ID and PORT_CLIENT_SECRET")

// RetryPolicy bounds the retries of one request. Zero fields take the
// defaults noted. Retries stop at whichever bound comes first: attempts, or
// total time spent (the next wait is not started when it would pass
// MaxElapsed).
type RetryPolicy struct {
	MaxAttempts int           // attempts in all, the first included (default 6; 1 disables retries)
	MaxElapsed  time.Duration // time budget from the first attempt (default 2 minutes)
	BaseDelay   time.Duration // backoff before the second attempt, doubled after each (default 500 ms)
	MaxDelay    time.Duration // cap of any one wait, Retry-After included (default 30 s)
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
		p.MaxDelay = 30 * time.Second
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
	slots chan struct{}
	logf  func(format string, args ...any)

	// Seams for tests: waiting between attempts, the clock, and the jitter
	// source (returns a value in [0, n)).
	sleep  func(ctx context.Context, d time.Duration) error
	now    func() time.Time
	jitter func(n int64) int64

	tok tokenCache
}

// New returns a client for cfg. Missing credentials give an error wrapping
// ErrNoCredentials that names what is missing; a base URL that
// ResolveBaseURL would refuse is refused too.
//
// Redirects: the client follows at most 10, and never carries the
// Authorization header to another scheme, host or port; it refuses to
// re-send a request body (which may hold the client secret) there.
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
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		userAgent:    cfg.UserAgent,
		retry:        cfg.Retry.withDefaults(),
		concurrency:  cfg.Concurrency,
		logf:         cfg.Logf,
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
