package export

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/entitydiff"
)

// portEntity is an entity as Port's search returns it, with values that
// trip YAML writers: YAML 1.1 booleans, octal, dates, times, exponents,
// several lines, keys that look like numbers.
const portEntity = `{
  "identifier": "a/b:c", "title": "no", "icon": null, "blueprint": "service",
  "team": [], "createdAt": "2026-01-01T00:00:00Z", "updatedBy": "someone", "scorecards": {},
  "properties": {"b": "on", "a": "0755", "date": "2026-01-31", "time": "12:30", "version": "1.10",
    "n": 1e3, "f": 2.5, "i": -7, "big": 12345678901234567890, "yes": true, "unset": null,
    "multi": "line one\nline two\n", "trailing": "x \n", "empty": "", "hash": "a #b", "colon": "k: v",
    "url": "https://example.com/a?b=c", "quote": "it's \"q\"", "unicode": "café ☕", "tab": "a\tb",
    "obj": {"123": [1, "2", null], "k": {}}, "list": [], "spaces": " lead"},
  "relations": {"system": "shop", "deps": ["x", "y"], "none": [], "unset": null}
}`

// want is what the file must define: Port's entity without bookkeeping
// fields, the blueprint key, unknown fields and unset values.
func want(t *testing.T, withBlueprint bool) map[string]any {
	t.Helper()
	s := `{"identifier": "a/b:c", "title": "no",
  "properties": {"b": "on", "a": "0755", "date": "2026-01-31", "time": "12:30", "version": "1.10",
    "n": 1000, "f": 2.5, "i": -7, "big": 12345678901234567890, "yes": true,
    "multi": "line one\nline two\n", "trailing": "x \n", "empty": "", "hash": "a #b", "colon": "k: v",
    "url": "https://example.com/a?b=c", "quote": "it's \"q\"", "unicode": "café ☕", "tab": "a\tb",
    "obj": {"123": [1, "2", null], "k": {}}, "list": [], "spaces": " lead"},
  "relations": {"system": "shop", "deps": ["x", "y"]}}`
	root, _, err := entity.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	m := root.Interface().(map[string]any)
	if withBlueprint {
		m["blueprint"] = "service"
	}
	return m
}

func TestRenderReadsBackIdentically(t *testing.T) {
	e, ok := clean(json.RawMessage(portEntity))
	if !ok {
		t.Fatal("clean refused the entity")
	}
	for _, withBP := range []bool{false, true} {
		e := e
		if withBP {
			e.Blueprint = "service"
		}
		j, err := renderJSON(e)
		if err != nil {
			t.Fatal(err)
		}
		y, err := renderYAML([]fileEntity{e}, false)
		if err != nil {
			t.Fatal(err)
		}
		ylist, err := renderYAML([]fileEntity{e, e}, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			data []byte
			yaml bool
			list bool
		}{{"json", j, false, false}, {"yaml", y, true, false}, {"yaml list", ylist, true, true}} {
			parse := entity.Parse
			if c.yaml {
				parse = entity.ParseYAML
			}
			root, diags, err := parse(c.data)
			if err != nil || len(diags) > 0 {
				t.Fatalf("%s: does not read back: %v %v\n%s", c.name, err, diags, c.data)
			}
			got := root.Interface()
			if c.list {
				got = got.([]any)[1]
			}
			if !equalJSON(got, want(t, withBP)) {
				t.Errorf("%s reads back as\n%v\nwant\n%v\nfile:\n%s", c.name, got, want(t, withBP), c.data)
			}
			checkPlain(t, root)
			if !strings.HasSuffix(string(c.data), "}\n") && !c.yaml || !strings.HasSuffix(string(c.data), "\n") {
				t.Errorf("%s: no trailing newline", c.name)
			}
		}
		if withBP {
			continue
		}
		// Keys in the natural order, properties sorted.
		order := []string{`"identifier"`, `"title"`, `"properties"`, `"a"`, `"b"`, `"big"`, `"relations"`, `"deps"`, `"system"`}
		last := -1
		for _, k := range order {
			i := strings.Index(string(j), k)
			if i < last {
				t.Errorf("%s comes before what precedes it in the natural order:\n%s", k, j)
			}
			last = i
		}
		for _, dropped := range []string{"createdAt", "updatedBy", "scorecards", "unset", "none", "icon", "team"} {
			if strings.Contains(string(j), `"`+dropped+`"`) || strings.Contains(string(y), dropped+":") {
				t.Errorf("%s was not dropped:\n%s\n%s", dropped, j, y)
			}
		}
		if !strings.Contains(string(y), "url: https://example.com/a?b=c") && !strings.Contains(string(y), "system: shop\n") {
			t.Errorf("plain strings are quoted needlessly:\n%s", y)
		}
	}
}

// checkPlain fails on any scalar that YAML 1.1 reads otherwise than
// YAML 1.2 (the yaml-ambiguous-scalar rule's concern).
func checkPlain(t *testing.T, v *entity.Value) {
	t.Helper()
	if v.Ambiguity != entity.AmbiguityNone {
		t.Errorf("%s: an ambiguous plain scalar %q (%v)", v.Pos, v.Str+v.Num, v.Ambiguity)
	}
	for _, el := range v.Elems {
		checkPlain(t, el)
	}
	for _, m := range v.Members {
		checkPlain(t, m.Value)
	}
}

// equalJSON compares decoded values, numbers by value (1e3 is 1000).
func equalJSON(a, b any) bool { return entitydiff.Equal(a, b) }

func TestSafeNames(t *testing.T) {
	n := names{}
	for _, c := range []struct{ id, want string }{
		{"payments", "payments"},
		{"team/a", "team_a"},
		{"team_a", "team_a-2"},
		{"Team_A", "Team_A-3"}, // case-insensitive file systems
		{"..", "_.."},
		{".hidden", "_.hidden"},
		{"a\\b:c d\x00", "a_b_c_d_"},
		{strings.Repeat("x", 300), strings.Repeat("x", 100) + "-"},
	} {
		got, _ := n.take(c.id)
		if !strings.HasPrefix(got, c.want) || len(got) > 120 {
			t.Errorf("take(%q) = %q, want %q", c.id, got, c.want)
		}
	}
}
