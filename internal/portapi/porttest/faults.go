package porttest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRecordedBody bounds how much of a request body the server reads.
const maxRecordedBody = 64 << 20

// Fault is an injected misbehaviour. It applies to the requests it matches
// (every condition set must hold), Times times (0 means once). Faults are
// kept in the order injected; a request takes the first pending fault it
// matches, which is consumed by one use.
//
// What a fault does, in order: wait Latency; Drop the connection; expire
// every token (ExpireToken, after which the request itself meets a 401 if it
// needs one); answer Status with Body, Retry-After and x-ratelimit-reset.
// A fault without Drop or Status lets the request through after that.
type Fault struct {
	Method     string                         // "" matches any
	PathSuffix string                         // "" matches any; else a suffix of the unescaped path
	Match      func(method, path string) bool // nil matches any; path is unescaped
	Times      int

	Status         int    // answer with this status (429, 500, 502, 503, 413, ...)
	Body           string // the answer's body; "" means {"ok": false, "error": <code for Status>, "message": ...}
	RetryAfter     string // Retry-After header of the answer, e.g. "0", "2" or an HTTP date
	RateLimitReset string // x-ratelimit-reset header of the answer (seconds, or a UNIX time)

	Latency     time.Duration // wait before answering, failing or dropping
	Drop        bool          // close the connection without an answer
	ExpireToken bool          // expire every token, then go on

	// Hostile answers (see hostile.go), applied after Drop and before Status.
	Redirect    string // answer 307 Temporary Redirect to this URL
	StreamBytes int64  // answer Status (200 if 0) with a JSON body this long, streamed without a length
}

func (f *Fault) matches(method, path string) bool {
	return (f.Method == "" || strings.EqualFold(f.Method, method)) &&
		strings.HasSuffix(path, f.PathSuffix) &&
		(f.Match == nil || f.Match(method, path))
}

// Inject adds a fault to the end of the schedule.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// PendingFaults returns how many uses of faults are left.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.Times
	}
	return n
}

// takeFault returns the first fault matching and consumes one use; s.mu is
// held.
func (s *Server) takeFault(method, path string) *Fault {
	for i, f := range s.faults {
		if !f.matches(method, path) {
			continue
		}
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		cp := *f
		return &cp
	}
	return nil
}

// codeFor is the error code of an injected status.
func codeFor(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "missing_permissions"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "identifier_taken"
	case http.StatusUnprocessableEntity:
		return "invalid_request"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	}
	return "internal_error"
}

// middleware records the request, sets Port's headers, applies faults and
// the body limit, then routes.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		maxBody, latency := s.maxBody, s.latency
		s.mu.Unlock()
		// Read the whole body (bounded), even over the limit, so that the
		// client finishes sending and sees the 413, and the log has it.
		body, readErr := io.ReadAll(io.LimitReader(r.Body, max(int64(maxBody), maxRecordedBody)+1))
		tooLarge := len(body) > maxBody
		r.Body = io.NopCloser(bytes.NewReader(body))

		s.mu.Lock()
		s.seq++
		trace := fmt.Sprintf("trace-%06d", s.seq)
		fault := s.takeFault(r.Method, r.URL.Path)
		if fault != nil && fault.ExpireToken {
			s.expireTokensLocked()
		}
		rec := Request{
			Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.Query(), Body: body,
			AuthHeader: r.Header.Get("Authorization") != "", Authorized: s.validToken(r),
			UserAgent: r.Header.Get("User-Agent"), TraceID: trace,
		}
		s.requests = append(s.requests, rec)
		s.inFlight++
		s.peak = max(s.peak, s.inFlight)
		window := time.Since(s.started) % rateLimitPeriod
		used := s.seq // every request counts; the window never refills here
		s.mu.Unlock()
		s.runHooks(rec)
		defer func() {
			s.mu.Lock()
			s.inFlight--
			s.mu.Unlock()
		}()

		h := w.Header()
		h.Set("X-Trace-Id", trace)
		h.Set("X-Ratelimit-Limit", strconv.Itoa(rateLimit))
		h.Set("X-Ratelimit-Period", strconv.Itoa(int(rateLimitPeriod.Seconds())))
		h.Set("X-Ratelimit-Remaining", strconv.Itoa(max(rateLimit-used, 0)))
		h.Set("X-Ratelimit-Reset", strconv.Itoa(int((rateLimitPeriod - window).Seconds())))

		wait := latency
		if fault != nil {
			wait += fault.Latency
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if fault != nil && fault.Drop {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler) // closes the connection without an answer
		}
		if fault != nil && s.hostile(w, r, fault) {
			return
		}
		if fault != nil && fault.Status != 0 {
			if fault.RetryAfter != "" {
				h.Set("Retry-After", fault.RetryAfter)
			}
			if fault.RateLimitReset != "" {
				h.Set("X-Ratelimit-Reset", fault.RateLimitReset)
			}
			if fault.Status == http.StatusTooManyRequests {
				h.Set("X-Ratelimit-Remaining", "0")
			}
			if fault.Body != "" {
				h.Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(fault.Status)
				_, _ = io.WriteString(w, fault.Body)
				return
			}
			fail(w, fault.Status, codeFor(fault.Status), fmt.Sprintf("porttest: injected %d", fault.Status))
			return
		}
		if readErr != nil {
			fail(w, http.StatusBadRequest, "bad_request", "could not read the request body")
			return
		}
		if tooLarge {
			fail(w, http.StatusRequestEntityTooLarge, "bad_request", fmt.Sprintf("Request body is too large (limit is %d bytes)", maxBody))
			return
		}
		next.ServeHTTP(w, r)
	})
}
