package portapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/portapi/porttest"
)

const canary = "canary-5f0c2a9e"

// fakePort is a server that hands out a token and answers route with h.
func fakePort(t *testing.T, tls bool, route string, h http.HandlerFunc) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/access_token", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ok": true, "accessToken": "tok-abcdef", "expiresIn": 3600, "tokenType": "Bearer"}`)
	})
	mux.HandleFunc(route, h)
	var s *httptest.Server
	if tls {
		s = httptest.NewTLSServer(mux)
	} else {
		s = httptest.NewServer(mux)
	}
	t.Cleanup(s.Close)
	return s
}

func TestRedirectToPlainHTTPIsRefused(t *testing.T) {
	for _, target := range []string{
		"http://192.0.2.1/v1/blueprints/moved?token=" + canary,
		"http://user:" + canary + "@api.example.com/v1/blueprints/moved",
		"ftp://api.example.com/x",
	} {
		s := fakePort(t, true, "GET /v1/blueprints/moved", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target, http.StatusFound)
		})
		hc := s.Client()
		hc.Timeout = 2 * time.Second // the old client tried to connect to the target
		c, err := New(Config{BaseURL: s.URL, ClientID: "i", ClientSecret: "s", HTTPClient: hc, Retry: RetryPolicy{MaxAttempts: 1}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetBlueprint(context.Background(), "moved")
		if err == nil || !strings.Contains(err.Error(), "GET /v1/blueprints/moved: refusing a redirect to ") {
			t.Fatalf("redirect to %s: got %v", target, err)
		}
		if strings.Contains(err.Error(), canary) {
			t.Fatalf("the redirect's secret is in the error: %v", err)
		}
	}
	// Redirects to plain http on loopback stay allowed:
	// TestRedirectsNeverCarryCredentialsElsewhere follows them.
}

func TestAnswersAreBounded(t *testing.T) {
	t.Run("streamed without a length", func(t *testing.T) {
		srv := newServer(t)
		c, _ := newClient(t, srv, nil)
		const size = 200 << 20
		srv.Inject(porttest.Fault{Method: "GET", PathSuffix: "/v1/blueprints/svc", StreamBytes: size})
		_, err := c.GetBlueprint(context.Background(), "svc")
		var tl *TooLargeError
		if !errors.As(err, &tl) || tl.Limit != MaxBlueprintBytes || tl.Size != -1 ||
			err.Error() != "port api: GET /v1/blueprints/svc: the answer is over the 4 MiB limit (not read further)" {
			t.Fatalf("got %v", err)
		}
		// The client stopped reading at the bound: the server could write
		// little more than that (and what the sockets buffer) before its
		// writes failed. Reading it all would have let all 200 MiB through.
		deadline := time.Now().Add(10 * time.Second)
		for {
			n := srv.StreamedBytes()
			time.Sleep(50 * time.Millisecond)
			if srv.StreamedBytes() == n || time.Now().After(deadline) {
				break
			}
		}
		t.Logf("streamed %d bytes", srv.StreamedBytes())
		if n := srv.StreamedBytes(); n > MaxBlueprintBytes+48<<20 {
			t.Fatalf("the server wrote %d bytes: the client read past its bound", n)
		}
		if n := count(srv, "GET", "/v1/blueprints/svc"); n != 1 {
			t.Fatalf("%d requests: an answer too large is not retried", n)
		}
	})
	t.Run("declared length", func(t *testing.T) {
		for _, tc := range []struct {
			route string
			call  func(*Client) error
			limit int64
			want  string
		}{
			{"GET /v1/blueprints/{bp}", func(c *Client) error { _, err := c.GetBlueprint(context.Background(), "x"); return err }, MaxBlueprintBytes, "the answer is 200 MiB, over the 4 MiB limit"},
			{"GET /v1/blueprints", func(c *Client) error { _, err := c.ListBlueprints(context.Background()); return err }, MaxBlueprintListBytes, "over the 32 MiB limit"},
			{"POST /v1/blueprints/{bp}/entities/search", func(c *Client) error {
				return c.SearchEntities(context.Background(), "x", nil, func(json.RawMessage) error { return nil })
			}, MaxSearchPageBytes, "over the 64 MiB limit"},
			{"GET /v1/blueprints/{bp}/entities/{id}", func(c *Client) error { _, err := c.GetEntity(context.Background(), "x", "y"); return err }, maxAnswerBytes, "over the 4 MiB limit"},
		} {
			s := fakePort(t, false, tc.route, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(200<<20))
				w.WriteHeader(200)
				fmt.Fprint(w, `{"ok": true}`) // far less than declared: never read anyway
			})
			c, err := New(Config{BaseURL: s.URL, ClientID: "i", ClientSecret: "s", Retry: RetryPolicy{MaxAttempts: 1}})
			if err != nil {
				t.Fatal(err)
			}
			err = tc.call(c)
			var tl *TooLargeError
			if !errors.As(err, &tl) || tl.Limit != tc.limit || tl.Size != 200<<20 || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: got %v", tc.route, err)
			}
		}
	})
	t.Run("error answers are cut, not refused", func(t *testing.T) {
		s := fakePort(t, false, "GET /v1/blueprints/{bp}", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
			fmt.Fprint(w, `{"ok": false, "error": "not_found", "message": "`+strings.Repeat("m", 10<<20)+`"}`)
		})
		c, err := New(Config{BaseURL: s.URL, ClientID: "i", ClientSecret: "s"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetBlueprint(context.Background(), "x")
		if !IsNotFound(err) || len(err.Error()) > 1000 {
			t.Fatalf("got %.200v", err)
		}
	})
}

func TestMalformedBlueprintAnswers(t *testing.T) {
	list := []struct{ body, want string }{
		{`{"ok": true, "blueprints": null}`, `no "blueprints" array`},
		{`{"ok": true}`, `no "blueprints" array`},
		{`{"ok": true, "blueprints": {"identifier": "x"}}`, `no "blueprints" array`},
		{`{"ok": true, "blueprints": "x"}`, `no "blueprints" array`},
		{`{"ok": true, "blueprints": [{"identifier": "a"}, null]}`, "blueprint 2 of 2 in the answer is not an object"},
		{`{"ok": true, "blueprints": [7]}`, "blueprint 1 of 1 in the answer is not an object"},
	}
	for _, tc := range list {
		s := fakePort(t, false, "GET /v1/blueprints", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tc.body) })
		c, err := New(Config{BaseURL: s.URL, ClientID: "i", ClientSecret: "s"})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := c.ListBlueprints(context.Background()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, %v; want an error with %q", tc.body, got, err, tc.want)
		}
	}
	for _, body := range []string{`{"ok": true, "blueprint": null}`, `{"ok": true, "blueprint": [1]}`, `{"ok": true}`} {
		s := fakePort(t, false, "GET /v1/blueprints/{bp}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) })
		c, err := New(Config{BaseURL: s.URL, ClientID: "i", ClientSecret: "s"})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := c.GetBlueprint(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "no blueprint object") {
			t.Errorf("%s: got %s, %v", body, got, err)
		}
	}
}

// A newline or spaces around the client id and secret (pasted into a CI
// secret store) are dropped: Port accepts the credentials.
func TestCredentialsAreTrimmed(t *testing.T) {
	srv := newServer(t)
	c, err := New(Config{BaseURL: srv.URL, ClientID: " " + srv.ClientID + "\n", ClientSecret: srv.ClientSecret + "\r\n"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListBlueprints(context.Background()); err != nil {
		t.Fatalf("trimmed credentials should be accepted: %v", err)
	}
}

// A secret pasted into the base URL is never repeated by an error.
func TestBaseURLErrorsNeverShowUserInfoOrQuery(t *testing.T) {
	for _, raw := range []string{
		"https://user:" + canary + "@api.example.com",
		"https://" + canary + "@api.example.com/v1",
		"https://api.example.com/v1?token=" + canary,
		"https://api.example.com/#" + canary,
		"http://api.example.com/?x=" + canary,
		"http://user:" + canary + "@api.example.com",
		"ftp://user:" + canary + "@api.example.com",
		"https://api.example.com/%zz?token=" + canary,
		"https://exa mple.com/?token=" + canary,
		"user:" + canary + "@api.example.com",
		"api.example.com?token=" + canary,
	} {
		for _, args := range [][3]string{{raw, "", ""}, {"", raw, ""}} {
			_, err := ResolveBaseURL(args[0], args[1], args[2])
			if err == nil {
				t.Errorf("%q accepted", raw)
				continue
			}
			if strings.Contains(err.Error(), canary) {
				t.Errorf("%q: the error shows the secret: %v", raw, err)
			}
		}
		if _, err := New(Config{BaseURL: raw, ClientID: "i", ClientSecret: "s"}); err == nil || strings.Contains(err.Error(), canary) {
			t.Errorf("New(%q): %v", raw, err)
		}
	}
}
