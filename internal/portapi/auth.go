package portapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	gosync "sync"
	"time"
)

const tokenPath = "/v1/auth/access_token"

// maxTokenAnswerBytes bounds the token route's answer (a token is about
// 1 KiB).
const maxTokenAnswerBytes = 64 << 10

// tokenCache holds the access token for the client's life. One fetch runs
// at a time; callers that need a token meanwhile wait for it.
type tokenCache struct {
	mu       gosync.Mutex
	value    string // "Bearer <token>"; "" when there is none
	expires  time.Time
	fetching *tokenFetch
	// seen are the tokens held so far (bounded), for redaction.
	seen []string
}

type tokenFetch struct {
	done  chan struct{}
	value string
	err   error
}

// secrets lists what must never appear in output: the client secret and
// the tokens held.
func (c *Client) secrets() []string {
	c.tok.mu.Lock()
	defer c.tok.mu.Unlock()
	return append([]string{c.clientSecret}, c.tok.seen...)
}

// authorization returns the Authorization header value, fetching a token
// when the client has none or it has expired. Concurrent callers share one
// fetch; a caller whose ctx ends stops waiting.
func (c *Client) authorization(ctx context.Context) (string, error) {
	for {
		c.tok.mu.Lock()
		if c.tok.value != "" && c.now().Before(c.tok.expires) {
			v := c.tok.value
			c.tok.mu.Unlock()
			return v, nil
		}
		f := c.tok.fetching
		leader := f == nil
		if leader {
			f = &tokenFetch{done: make(chan struct{})}
			c.tok.fetching = f
		}
		c.tok.mu.Unlock()

		if leader {
			f.value, f.err = c.fetchToken(ctx)
			c.tok.mu.Lock()
			c.tok.fetching = nil
			c.tok.mu.Unlock()
			close(f.done)
			return f.value, f.err
		}
		select {
		case <-f.done:
			if f.err == nil {
				return f.value, nil
			}
			// The leader's own context ended: fetch again under ours.
			if (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) && ctx.Err() == nil {
				continue
			}
			return "", f.err
		case <-ctx.Done():
			return "", fmt.Errorf("get a Port access token: %w", ctx.Err())
		}
	}
}

// fetchToken asks Port for a token and stores it.
func (c *Client) fetchToken(ctx context.Context) (string, error) {
	body, err := json.Marshal(struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}{c.clientID, c.clientSecret})
	if err != nil {
		return "", fmt.Errorf("get a Port access token: %w", err)
	}
	var out struct {
		AccessToken string  `json:"accessToken"`
		ExpiresIn   float64 `json:"expiresIn"`
		TokenType   string  `json:"tokenType"`
	}
	_, err = c.doJSON(ctx, &call{method: http.MethodPost, path: tokenPath, body: body, limit: maxTokenAnswerBytes}, &out)
	var apiErr *Error
	switch {
	case errors.As(err, &apiErr) && (apiErr.Status == http.StatusUnauthorized || apiErr.Status == http.StatusForbidden):
		return "", &CredentialsError{Err: apiErr}
	case err != nil:
		return "", fmt.Errorf("get a Port access token: %w", err)
	case out.AccessToken == "":
		return "", errors.New("get a Port access token: Port's answer has no accessToken")
	}
	typ := out.TokenType
	if typ == "" || len(typ) > 20 {
		typ = "Bearer"
	}
	ttl := time.Duration(out.ExpiresIn * float64(time.Second))
	if ttl <= 0 {
		ttl = time.Hour // Port's tokens live 3 hours; a 401 refreshes anyway
	}
	// Refresh a little early rather than send a token about to expire.
	ttl -= min(ttl/10, time.Minute)

	c.tok.mu.Lock()
	defer c.tok.mu.Unlock()
	c.tok.value = typ + " " + out.AccessToken
	c.tok.expires = c.now().Add(ttl)
	if len(c.tok.seen) == 0 || c.tok.seen[len(c.tok.seen)-1] != out.AccessToken {
		c.tok.seen = append(c.tok.seen, out.AccessToken)
		if len(c.tok.seen) > 8 {
			c.tok.seen = c.tok.seen[1:]
		}
	}
	return c.tok.value, nil
}

// invalidate forgets the token after Port refused it, unless another caller
// has already replaced it.
func (c *Client) invalidate(value string) {
	c.tok.mu.Lock()
	defer c.tok.mu.Unlock()
	if c.tok.value == value {
		c.tok.value = ""
	}
}
