package portapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// Error is Port answering a request with an error status, or rejecting one
// entity of a bulk upsert. Status, Code and Message come from Port's
// {"ok": false, "error": code, "message": text} body; TraceID from the
// X-Trace-Id header (Port's support asks for it). Method and Path are the
// request's, Path escaped as sent and without the query.
type Error struct {
	Status  int
	Code    string // Port's machine code, e.g. blueprint_schema_mismatch
	Message string
	TraceID string
	Method  string
	Path    string
}

// Error reads like
// "port api: POST /v1/blueprints/x/entities: 422 blueprint_schema_mismatch: message (trace id abc)".
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

// CredentialsError says Port's token route rejected the client id and
// secret: retrying cannot help, the user must fix PORT_CLIENT_ID or
// PORT_CLIENT_SECRET. Err is Port's answer.
type CredentialsError struct {
	Err *Error
}

// Error says what to check, then Port's answer.
func (e *CredentialsError) Error() string {
	return "Port rejected the credentials (check PORT_CLIENT_ID and PORT_CLIENT_SECRET): " + e.Err.Error()
}

// Unwrap returns Port's answer.
func (e *CredentialsError) Unwrap() error { return e.Err }

// IsNotFound reports whether err is, or wraps, Port answering 404.
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// IsConflict reports whether err is, or wraps, Port answering 409 (for
// example identifier_taken when creating what exists).
func IsConflict(err error) bool { return StatusOf(err) == http.StatusConflict }

// IsCredentialsRejected reports whether err is, or wraps, a CredentialsError.
func IsCredentialsRejected(err error) bool {
	var ce *CredentialsError
	return errors.As(err, &ce)
}

// StatusOf returns the HTTP status of the *Error that err is or wraps, or 0
// when err did not come from a Port answer (nil, network, context).
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// CodeOf returns Port's error code of the *Error that err is or wraps, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// apiError builds an *Error from a non-2xx answer. Text that comes from the
// server is redacted: a proxy or a misbehaving server could echo what it was
// sent.
func (c *Client) apiError(cl *call, status int, hdr http.Header, body []byte) *Error {
	e := &Error{Status: status, Method: cl.method, Path: cl.path, TraceID: c.redact(hdr.Get("X-Trace-Id"))}
	var b struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &b) == nil {
		e.Code, e.Message = c.redact(b.Error), c.redact(b.Message)
	}
	if e.Code == "" && e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// minRedact is the shortest secret redacted: replacing a one- or
// two-letter test secret everywhere would garble text and hide nothing.
const minRedact = 6

// bearerPattern finds a token after "Bearer", whoever it belongs to. It is
// compiled on first use: every process links this package, and only those
// that talk to Port need it.
var bearerPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{6,}`)
})

// redact replaces the client secret, every access token the client has
// held, and anything that follows "Bearer " with [redacted].
func (c *Client) redact(s string) string {
	if s == "" {
		return s
	}
	for _, secret := range c.secrets() {
		if len(secret) >= minRedact && strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return bearerPattern().ReplaceAllString(s, "${1}[redacted]")
}

// redactedError is an error whose text had a secret removed. It answers
// errors.Is like the original (io.EOF, context.Canceled, ...) but does not
// unwrap to it, since the original's text holds the secret.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string        { return e.msg }
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }

// redactErr returns err, or a redactedError when err's text holds a secret.
func (c *Client) redactErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := c.redact(msg); r != msg {
		return &redactedError{msg: r, err: err}
	}
	return err
}
