package blueprint

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// propertyFinding returns the rules of the issues one property value of
// the svc blueprint gets ("" when valid).
func propertyFinding(t *testing.T, prop string, value any) string {
	t.Helper()
	bp, err := openTestCache(t).Get("svc")
	if err != nil {
		t.Fatal(err)
	}
	v, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(check(t, bp, fmt.Sprintf(base, fmt.Sprintf("%q: %s", prop, v))), " ")
}

// TestTimerIsDateTime: a timer is checked exactly like a date-time: same
// verdict on every case, and the verdict RFC 3339 gives.
func TestTimerIsDateTime(t *testing.T) {
	cases := []struct {
		value string
		valid bool
	}{
		{"2026-01-31T12:00:00Z", true},
		{"2026-01-31t12:00:00z", true},
		{"2026-01-31T12:00:00.123+02:00", true},
		{"2016-12-31T23:59:60Z", true},      // a leap second
		{"2016-12-31T15:59:60-08:00", true}, // the same leap second, in UTC-8
		{"2026-01-31T12:00:60Z", false},     // not a leap second
		{"2026-01-31T9:26:53Z", false},
		{"2026-01-31T09:26:53,123Z", false},
		{"2026-01-31T09:26:53+24:00", false},
		{"2026-01-31T09:26:53+02:60", false},
		{"2026-01-31 12:00:00Z", false},
		{"2026-01-31T12:00:00", false},
		{"2026-02-30T12:00:00Z", false},
		{"in 3 days", false},
	}
	for _, c := range cases {
		t.Run(c.value, func(t *testing.T) {
			timer := propertyFinding(t, "timer", c.value)
			dateTime := propertyFinding(t, "when", c.value)
			if (timer == "") != (dateTime == "") {
				t.Fatalf("timer %q, date-time %q: they disagree", timer, dateTime)
			}
			if (timer == "") != c.valid {
				t.Fatalf("timer %q, want valid=%v", timer, c.valid)
			}
		})
	}
}

// TestUserIsEmail: a user is checked exactly like an email.
func TestUserIsEmail(t *testing.T) {
	cases := []struct {
		value string
		valid bool
	}{
		{"dana@acme.io", true},
		{"dana.smith+ops@acme.io", true},
		{`"dana smith"@acme.io`, true}, // a quoted local part
		{"dana@-acme.io", false},
		{"dana@acme_corp.io", false},
		{"däna@acme.io", false}, // non-ASCII local part: idn-email, not email
		{"Ana <ana@example.com>", false},
		{"not-mail", false},
	}
	for _, c := range cases {
		t.Run(c.value, func(t *testing.T) {
			user := propertyFinding(t, "user", c.value)
			email := propertyFinding(t, "mail", c.value)
			if (user == "") != (email == "") {
				t.Fatalf("user %q, email %q: they disagree", user, email)
			}
			if (user == "") != c.valid {
				t.Fatalf("user %q, want valid=%v", user, c.valid)
			}
		})
	}
}

// TestURLForbiddenCharacters: characters RFC 3986 allows nowhere are
// rejected, their percent-encoding is not.
func TestURLForbiddenCharacters(t *testing.T) {
	for _, c := range []string{" ", "<", ">", `"`, "{", "}", "|", `\`, "^", "`"} {
		u := "https://example.com/a" + c + "b"
		t.Run(u, func(t *testing.T) {
			if got := propertyFinding(t, "url", u); got != "format@2:8" {
				t.Fatalf("got %q, want a format error", got)
			}
			if err := checkURL(u); err == nil || !strings.Contains(err.Error(), "RFC 3986") {
				t.Fatalf("message %v", err)
			}
		})
	}
	for _, u := range []string{"https://example.com/a%20b", "https://example.com/a?b=c&d=e#f", "https://[::1]:8080/x", "mailto:dana@acme.io"} {
		t.Run(u, func(t *testing.T) {
			if got := propertyFinding(t, "url", u); got != "" {
				t.Fatalf("got %q, want valid", got)
			}
		})
	}
}

// TestLabeledURLDisplayText: displayText, when present, is a string.
func TestLabeledURLDisplayText(t *testing.T) {
	cases := []struct {
		link string
		want string
	}{
		{`{"url": "https://x.example", "displayText": "X"}`, ""},
		{`{"url": "https://x.example"}`, ""},
		{`{"url": "https://x.example", "displayText": 5}`, "format@2:9"},
		{`{"url": "https://x.example", "displayText": null}`, "format@2:9"},
		{`{"url": "https://x.example", "displayText": ["X"]}`, "format@2:9"},
	}
	for _, c := range cases {
		t.Run(c.link, func(t *testing.T) {
			if got := propertyFinding(t, "link", json.RawMessage(c.link)); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
	if err := checkLabeledURL(parseJSON(t, `{"url": "u", "displayText": 1.0}`)); err == nil || !strings.Contains(err.Error(), "displayText") {
		t.Errorf("message %v", err)
	}
}

// TestYAMLFormatEveryDocument: every document of a yaml value is checked,
// and a %YAML 1.2 directive is valid.
func TestYAMLFormatEveryDocument(t *testing.T) {
	cases := []struct {
		name, value string
		valid       bool
		msg         string
	}{
		{"one document", "a: 1\nb: [2, 3]\n", true, ""},
		{"two good documents", "a: 1\n---\nb: 2\n", true, ""},
		{"YAML 1.2 directive", "%YAML 1.2\n---\na: 1\n", true, ""},
		{"YAML 1.1 directive", "%YAML 1.1\n---\na: 1\n", true, ""},
		{"broken second document", "a: 1\n---\nb: [1, 2\n", false, "document 2"},
		{"duplicate key in second document", "a: 1\n---\nb: 1\nb: 2\n", false, "document 2"},
		{"duplicate key in first document", "a: 1\na: 2\n", false, "already defined"},
		{"broken first document", "a: [1, 2", false, "not valid YAML"},
		{"unknown version", "%YAML 2.0\n---\na: 1\n", false, "not valid YAML"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := propertyFinding(t, "yml", c.value)
			if (got == "") != c.valid {
				t.Fatalf("got %q, want valid=%v", got, c.valid)
			}
			err := checkYAML(c.value)
			if (err == nil) != c.valid || err != nil && !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("yaml format says %v, want valid=%v containing %q", err, c.valid, c.msg)
			}
			if c.valid || !knownGoodYAML(c.value) {
				return
			}
			t.Fatalf("the fast path accepts %q, which is not valid", c.value)
		})
	}
}

// envelope runs Extract and CheckEnvelope on one JSON entity and returns
// "rule@line:col" of every problem and issue (warnings prefixed "w:").
func envelope(t *testing.T, src string) []string {
	t.Helper()
	root, _, err := entity.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ents, probs := entity.Extract(root)
	var got []string
	for _, p := range probs {
		got = append(got, fmt.Sprintf("%s@%s", p.Rule, p.Pos))
	}
	for i := range ents {
		for _, is := range CheckEnvelope(&ents[i]) {
			s := fmt.Sprintf("%s@%s", is.Rule, is.Node.Pos)
			if is.Warning {
				s = "w:" + s
			}
			got = append(got, s)
		}
	}
	return got
}

// TestTeamSearchQuery: team may be a search query object, as Port's API
// accepts; another object is still an error.
func TestTeamSearchQuery(t *testing.T) {
	cases := []struct{ team, want string }{
		{`{"combinator": "and", "rules": [{"property": "$identifier", "operator": "=", "value": "ops"}]}`, ""},
		{`{"combinator": "or", "rules": []}`, ""},
		{`"ops"`, ""},
		{`["ops", "dev"]`, ""},
		{`{"rules": []}`, "team@1:29"},
		{`{"name": "ops"}`, "team@1:29"},
		{`5`, "team@1:29"},
	}
	for _, c := range cases {
		t.Run(c.team, func(t *testing.T) {
			got := strings.Join(envelope(t, `{"identifier": "x", "team": `+c.team+`}`), " ")
			if got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestServerFields: fields Port sets are one warning each at the key, not
// unknown-field errors.
func TestServerFields(t *testing.T) {
	src := `{"identifier": "x",
"createdAt": "2026-01-01T00:00:00.000Z", "createdBy": "u1",
"updatedAt": "2026-01-02T00:00:00.000Z", "updatedBy": "u2",
"createdOn": 1}`
	got := strings.Join(envelope(t, src), " ")
	want := "unknown-field@4:1 w:server-field@2:1 w:server-field@2:42 w:server-field@3:1 w:server-field@3:42"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	bp, err := openTestCache(t).Get("svc")
	if err != nil {
		t.Fatal(err)
	}
	root, _, _ := entity.Parse([]byte(`{"identifier": "x", "relations": {"must": "y"}, "properties": {"req": "r", "reqd": "d"}, "updatedBy": "u"}`))
	ents, _ := entity.Extract(root)
	for _, is := range append(CheckEnvelope(&ents[0]), bp.Validate(&ents[0])...) {
		if !is.Warning || is.Rule != "server-field" || !strings.Contains(is.Message, "set by Port") {
			t.Errorf("unexpected issue %+v", is)
		}
	}
}
