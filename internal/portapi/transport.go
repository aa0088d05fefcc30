package portapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// call is one API request. Its body is a byte slice so that every attempt
// sends it again, whole.
type call struct {
	method string
	path   string // escaped, from /v1/ on
	query  url.Values
	body   []byte // nil: no body
	auth   bool   // send the access token
}

// apiCall is a call that carries the access token.
func apiCall(method, path string, query url.Values, body []byte) *call {
	return &call{method: method, path: path, query: query, body: body, auth: true}
}

// response is a 2xx answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// doJSON sends cl (see do) and decodes the answer's body into out when out
// is not nil. It returns the answer's status.
func (c *Client) doJSON(ctx context.Context, cl *call, out any) (int, error) {
	resp, err := c.do(ctx, cl)
	if err != nil {
		return 0, err
	}
	if out != nil && len(bytes.TrimSpace(resp.body)) > 0 {
		if err := json.Unmarshal(resp.body, out); err != nil {
			return resp.status, fmt.Errorf("port api: %s %s: read the answer: %w", cl.method, cl.path, err)
		}
	}
	return resp.status, nil
}

// do sends cl until Port answers 2xx, a failure is not worth retrying, or
// the retry policy or ctx ends it. A 401 on a call with a token fetches a
// new token and retries once, outside the policy's count. Failures are
// *Error for Port's answers, else wrapped transport or context errors.
func (c *Client) do(ctx context.Context, cl *call) (*response, error) {
	start := c.now()
	refreshed := false
	counted := 0 // attempts that count against the retry policy
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("port api: %s %s: %w", cl.method, cl.path, err)
		}
		auth := ""
		if cl.auth {
			var err error
			if auth, err = c.authorization(ctx); err != nil {
				return nil, err
			}
		}
		counted++
		t0 := time.Now()
		resp, err := c.send(ctx, cl, auth)
		took := time.Since(t0)

		var failure error
		retry := false
		switch {
		case err != nil && ctx.Err() != nil:
			c.logRequest(cl, attempt, took, nil, err, "")
			return nil, fmt.Errorf("port api: %s %s: %w", cl.method, cl.path, ctx.Err())
		case err != nil:
			failure = fmt.Errorf("port api: %s %s: %w", cl.method, cl.path, c.redactErr(err))
			retry = retryableNetErr(err)
		case resp.status < 300:
			c.logRequest(cl, attempt, took, resp, nil, "")
			return resp, nil
		case resp.status == http.StatusUnauthorized && cl.auth && !refreshed:
			c.logRequest(cl, attempt, took, resp, nil, "; fetching a new token")
			refreshed = true
			counted--
			c.invalidate(auth)
			continue
		default:
			failure = c.apiError(cl, resp.status, resp.header, resp.body)
			retry = retryableStatus(resp.status)
		}

		if !retry {
			c.logRequest(cl, attempt, took, resp, err, "")
			return nil, failure
		}
		if counted >= c.retry.MaxAttempts {
			c.logRequest(cl, attempt, took, resp, err, "; giving up")
			return nil, fmt.Errorf("%w (gave up after %d attempts)", failure, attempt)
		}
		var wait time.Duration
		if resp != nil {
			wait = c.retryWait(resp, counted)
		} else {
			wait = c.backoff(counted)
		}
		if elapsed := c.now().Sub(start); elapsed+wait > c.retry.MaxElapsed {
			c.logRequest(cl, attempt, took, resp, err, "; giving up")
			return nil, fmt.Errorf("%w (gave up after %d attempts: waiting %s more would pass the retry budget of %s)",
				failure, attempt, wait.Round(time.Millisecond), c.retry.MaxElapsed)
		}
		c.logRequest(cl, attempt, took, resp, err, "; retrying in "+wait.Round(time.Millisecond).String())
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("port api: %s %s: %w while waiting to retry (last failure: %s)",
				cl.method, cl.path, err, strings.TrimPrefix(failure.Error(), "port api: "+cl.method+" "+cl.path+": "))
		}
	}
}

// send makes one HTTP request and reads the answer whole.
func (c *Client) send(ctx context.Context, cl *call, auth string) (*response, error) {
	u := c.baseURL + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, unwrapURLError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	if len(data) > maxResponseBytes {
		return nil, fmt.Errorf("the answer is larger than %d MiB", maxResponseBytes>>20)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// unwrapURLError drops *url.Error's repetition of the method and URL: the
// caller names the request itself.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// logRequest writes the one log line of a request.
func (c *Client) logRequest(cl *call, attempt int, took time.Duration, resp *response, err error, note string) {
	if c.logf == nil {
		return
	}
	target := cl.path
	if len(cl.query) > 0 {
		target += "?" + cl.query.Encode()
	}
	var line string
	if resp != nil {
		trace := resp.header.Get("X-Trace-Id")
		if trace == "" {
			trace = "none"
		}
		line = fmt.Sprintf("%s %s -> %d in %s (trace id %s, attempt %d%s)", cl.method, target, resp.status, took.Round(time.Millisecond), trace, attempt, note)
	} else {
		line = fmt.Sprintf("%s %s -> %v in %s (attempt %d%s)", cl.method, target, err, took.Round(time.Millisecond), attempt, note)
	}
	c.logf("%s", c.redact(line))
}

// retryableStatus reports whether an answer is worth retrying: rate limits,
// timeouts and the gateway or server errors that pass.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryableNetErr reports whether a transport failure is worth retrying:
// connections reset, refused or closed early, and timeouts. Certificate,
// DNS "no such host", redirect and URL errors are not. The caller has
// already checked its own context.
func retryableNetErr(err error) bool {
	var ne net.Error
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return dns.IsTimeout || dns.IsTemporary
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	case errors.Is(err, context.DeadlineExceeded): // the HTTP client's own timeout
		return true
	case errors.As(err, &ne) && ne.Timeout():
		return true
	}
	// net/http reports a keep-alive connection closed under a request with
	// an unexported error value.
	return strings.Contains(err.Error(), "server closed idle connection")
}

// retryWait is how long to wait after a retryable answer: Retry-After when
// Port sent one, else x-ratelimit-reset on a 429, else backoff; capped at
// the policy's MaxDelay.
func (c *Client) retryWait(resp *response, attempt int) time.Duration {
	if d, ok := retryAfter(resp.header, c.now(), resp.status == http.StatusTooManyRequests); ok {
		return min(d, c.retry.MaxDelay)
	}
	return c.backoff(attempt)
}

// backoff is exponential with full jitter: a uniform wait between 0 and
// BaseDelay·2^(attempt-1), capped at MaxDelay.
func (c *Client) backoff(attempt int) time.Duration {
	ceiling := c.retry.MaxDelay
	if attempt-1 < 40 {
		if d := c.retry.BaseDelay << (attempt - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return time.Duration(c.jitter(int64(ceiling) + 1))
}

// retryAfter reads Retry-After (delay seconds or an HTTP date) and, when
// rateLimited, x-ratelimit-reset. Port documents the latter as a UNIX time
// but some of its clients read it as seconds: a value above 10,000 is taken
// as a UNIX time, anything else as seconds.
func retryAfter(h http.Header, now time.Time, rateLimited bool) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 && n < 1e9 {
			return time.Duration(n * float64(time.Second)), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	if !rateLimited {
		return 0, false
	}
	if v := strings.TrimSpace(h.Get("X-Ratelimit-Reset")); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 && n < 1e12 {
			if n > 10000 {
				return max(time.Unix(0, int64(n*1e9)).Sub(now), 0), true
			}
			return time.Duration(n * float64(time.Second)), true
		}
	}
	return 0, false
}
