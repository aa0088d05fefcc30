package porttest

import (
	"net/http"
	"strings"
)

// hostile applies a fault's Redirect or StreamBytes and reports whether it
// answered.
func (s *Server) hostile(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	switch {
	case f.Redirect != "":
		w.Header().Set("Location", f.Redirect)
		w.WriteHeader(http.StatusTemporaryRedirect)
		return true
	case f.StreamBytes > 0:
		s.stream(w, f)
		return true
	}
	return false
}

// stream writes a JSON answer of f.StreamBytes bytes, one string value of
// padding, in chunks and without Content-Length, so the client cannot know
// the size before reading. It stops when a write fails (the client went
// away) and counts what it wrote in StreamedBytes.
func (s *Server) stream(w http.ResponseWriter, f *Fault) {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	const head, tail = `{"ok": true, "padding": "`, `"}`
	chunk := []byte(strings.Repeat("x", 64<<10))
	flusher, _ := w.(http.Flusher)
	left := f.StreamBytes
	write := func(b []byte) bool {
		b = b[:min(int64(len(b)), left)]
		n, err := w.Write(b)
		s.streamed.Add(int64(n))
		left -= int64(n)
		return err == nil
	}
	if !write([]byte(head)) {
		return
	}
	for left > int64(len(tail)) {
		if !write(chunk[:min(int64(len(chunk)), left-int64(len(tail)))]) {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
	write([]byte(tail))
}

// StreamedBytes returns how many body bytes StreamBytes faults have written
// so far: a client that bounds what it reads stops them early.
func (s *Server) StreamedBytes() int64 { return s.streamed.Load() }
