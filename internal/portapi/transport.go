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
	limit  int64  // the most of a 2xx answer read (0: maxAnswerBytes)
}

// apiCall is a call that carries the access token.
func apiCall(method, path string, query url.Values, body []byte) *call {
	return &call{method: method, path: path, query: query, body: body, auth: true}
}

// bounded sets the most of the answer that is read.
func (cl *call) bounded(limit int64) *call {
	cl.limit = limit
	return cl
}

// response is an answer, read whole (within its bound).
type response struct {
	status int
	header http.Header
	body   []byte
}

// TooLargeError is an answer larger than the client reads for its request
// (see MaxBlueprintBytes and the other bounds). Size is the answer's
// declared length, or -1 when it declared none and the client stopped
// reading at the bound.
type TooLargeError struct {
	Limit int64
	Size  int64
}

// Error names the size when it is known, and the bound.
func (e *TooLargeError) Error() string {
	if e.Size >= 0 {
		return fmt.Sprintf("the answer is %s, over the %s limit", byteSize(e.Size), byteSize(e.Limit))
	}
	return fmt.Sprintf("the answer is over the %s limit (not read further)", byteSize(e.Limit))
}

// byteSize renders n bytes in the largest unit that keeps it readable.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB (%d bytes)", float64(n)/(1<<20), n)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
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
// the retry policy or ctx ends it (see RetryPolicy). A 401 on a call with a
// token fetches a new token and retries once, outside the policy's count.
// Failures are *Error for Port's answers, else wrapped transport or context
// errors; each names the request that failed.
func (c *Client) do(ctx context.Context, cl *call) (*response, error) {
	start := c.now()
	refreshed := false
	counted := 0                 // attempts that count against the retry policy
	var rateWaited time.Duration // of this request's time, the rate-limit waits
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
		if wait, ok := c.rateLimitWait(resp); ok {
			// Port said when to come back: the budget bounds this, not the
			// attempt count.
			counted--
			announce, spent, ok := c.reserveRateLimit(wait)
			if !ok {
				c.logRequest(cl, attempt, took, resp, err, "; giving up")
				return nil, &budgetError{failure: failure, spent: spent, budget: c.retry.RateLimitBudget}
			}
			c.logRequest(cl, attempt, took, resp, err, "; retrying in "+roundWait(wait))
			if announce {
				c.tell("rate limited by Port, waiting " + roundWait(wait))
			}
			if err := c.sleep(ctx, wait); err != nil {
				return nil, c.interrupted(cl, err, failure)
			}
			rateWaited += wait
			continue
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
		if elapsed := c.now().Sub(start) - rateWaited; elapsed+wait > c.retry.MaxElapsed {
			c.logRequest(cl, attempt, took, resp, err, "; giving up")
			return nil, fmt.Errorf("%w (gave up after %d attempts: waiting %s more would pass the retry budget of %s)",
				failure, attempt, wait.Round(time.Millisecond), c.retry.MaxElapsed)
		}
		c.logRequest(cl, attempt, took, resp, err, "; retrying in "+roundWait(wait))
		if resp != nil {
			c.tell(fmt.Sprintf("Port answered %d %s to %s %s; retrying in %s",
				resp.status, http.StatusText(resp.status), cl.method, c.displayURL(cl), roundWait(wait)))
		} else {
			c.tell(fmt.Sprintf("cannot reach %s: %s; retrying in %s", c.displayURL(cl), c.netReason(err), roundWait(wait)))
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, c.interrupted(cl, err, failure)
		}
	}
}

// budgetError is a request still rate limited when the client's
// rate-limit budget ran out. It wraps Port's last answer and
// ErrRateLimitBudget.
type budgetError struct {
	failure       error
	spent, budget time.Duration
}

func (e *budgetError) Error() string {
	return fmt.Sprintf("%s (still rate limited after waiting %s in all; the rate-limit budget is %s)",
		e.failure, roundWait(e.spent), e.budget)
}

func (e *budgetError) Unwrap() []error { return []error{e.failure, ErrRateLimitBudget} }

// interrupted is the error of a request whose wait before a retry ended
// with its context.
func (c *Client) interrupted(cl *call, err, failure error) error {
	return fmt.Errorf("port api: %s %s: %w while waiting to retry (last failure: %s)",
		cl.method, cl.path, err, strings.TrimPrefix(failure.Error(), "port api: "+cl.method+" "+cl.path+": "))
}

// rateLimitWait says whether a retryable answer is a rate limit that says
// when to come back (429 with Retry-After or x-ratelimit-reset, 503 with
// Retry-After), and how long to wait: at least BaseDelay (a reset already
// past must not make a busy loop), at most MaxDelay.
func (c *Client) rateLimitWait(resp *response) (time.Duration, bool) {
	if resp == nil || (resp.status != http.StatusTooManyRequests && resp.status != http.StatusServiceUnavailable) {
		return 0, false
	}
	d, ok := retryAfter(resp.header, c.now(), resp.status == http.StatusTooManyRequests)
	if !ok {
		return 0, false
	}
	return min(max(d, c.retry.BaseDelay), c.retry.MaxDelay), true
}

// reserveRateLimit books a rate-limit wait of d starting now against the
// client's budget. Waits that overlap count once: the budget is the
// wall-clock time the client spends rate limited, whatever the number of
// requests waiting together. It reports whether the wait should be told
// (it does not merely fall within one already told), the time spent so
// far, and false when the wait would pass the budget.
func (c *Client) reserveRateLimit(d time.Duration) (announce bool, spent time.Duration, ok bool) {
	c.rl.Lock()
	defer c.rl.Unlock()
	now := c.now()
	end := now.Add(d)
	from := now
	if c.rl.until.After(now) {
		from = c.rl.until
	}
	added := max(end.Sub(from), 0)
	if c.rl.spent+added > c.retry.RateLimitBudget {
		return false, c.rl.spent, false
	}
	announce = !c.rl.until.After(now) || end.Sub(c.rl.until) >= time.Second
	c.rl.spent += added
	if end.After(c.rl.until) {
		c.rl.until = end
	}
	return announce, c.rl.spent, true
}

// tell passes a line to Config.Notify.
func (c *Client) tell(line string) {
	if c.notify != nil {
		c.notify(c.redact(line))
	}
}

// displayURL is the request's URL for people: the base URL (which never
// holds user information or a query) and the path, without the query.
func (c *Client) displayURL(cl *call) string { return c.baseURL + cl.path }

// netReason says in a few words why a request got no answer.
func (c *Client) netReason(err error) string {
	var errno syscall.Errno
	var ne net.Error
	switch {
	case errors.As(err, &errno):
		return errno.Error()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection closed before an answer"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "no answer in time"
	}
	return c.redact(err.Error())
}

// roundWait shows a wait to a tenth of a second (milliseconds below that).
func roundWait(d time.Duration) string {
	if d < 100*time.Millisecond {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// send makes one HTTP request and reads the answer, within its bound: a 2xx
// answer over cl's limit is a *TooLargeError, of an error answer only the
// first maxErrorBytes are read.
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
	limit := cl.limit
	if limit <= 0 {
		limit = maxAnswerBytes
	}
	ok := resp.StatusCode < 300
	if !ok {
		limit = maxErrorBytes
	}
	if ok && resp.ContentLength > limit {
		return nil, &TooLargeError{Limit: limit, Size: resp.ContentLength}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	if int64(len(data)) > limit {
		if ok {
			return nil, &TooLargeError{Limit: limit, Size: -1}
		}
		data = data[:limit]
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
