package blueprint

import (
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/report"
)

func openTestCache(t *testing.T) *Cache {
	t.Helper()
	c, err := OpenCache("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// check validates one entity file body and returns "rule@line:col" for every
// issue (warnings prefixed with "w:"), sorted.
func check(t *testing.T, bp *Blueprint, src string) []string {
	t.Helper()
	root, _, err := entity.Parse([]byte(src))
	if err != nil {
		t.Fatalf("test entity does not parse: %v", err)
	}
	ents, problems := entity.Extract(root)
	if len(problems) > 0 {
		t.Fatalf("test entity has problems: %+v", problems)
	}
	var got []string
	for i := range ents {
		issues := append(CheckEnvelope(&ents[i]), bp.Validate(&ents[i])...)
		for _, is := range issues {
			if !report.KnownRule(is.Rule) {
				t.Errorf("rule %q is not among report's described rules", is.Rule)
			}
			s := fmt.Sprintf("%s@%d:%d", is.Rule, is.Node.Pos.Line, is.Node.Pos.Column)
			if is.Warning {
				s = "w:" + s
			}
			got = append(got, s)
		}
	}
	sort.Strings(got)
	return got
}

// base is an entity that satisfies svc; cases add one line to properties.
const base = `{"identifier": "x", "relations": {"must": "y"}, "properties": {"req": "r", "reqd": "d",
%s
}}`

func TestPropertyKeywordsAndFormats(t *testing.T) {
	bp, err := openTestCache(t).Get("svc")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, prop string
		want       []string // empty: valid
	}{
		{"string ok", `"s": "x"`, nil},
		{"string wrong type", `"s": 1`, []string{"type@2:6"}},
		{"number wrong type", `"n": "5"`, []string{"type@2:6"}},
		{"number big integer ok", `"n": 12345678901234567890`, nil},
		{"boolean wrong type", `"b": "true"`, []string{"type@2:6"}},
		{"object wrong type", `"o": []`, []string{"type@2:6"}},
		{"array wrong type", `"a": {}`, []string{"type@2:6"}},
		{"null clears a value", `"s": null`, nil},
		{"enum ok", `"color": "red"`, nil},
		{"enum wrong", `"color": "blue"`, []string{"enum@2:10"}},
		{"pattern ok", `"code": "ABC"`, nil},
		{"pattern wrong", `"code": "abc"`, []string{"pattern@2:9"}},
		{"ecma lookahead pattern is a warning", `"look": "tmp-1"`, []string{"w:pattern-unchecked@2:9"}},
		{"minLength", `"name": "a"`, []string{"min-length@2:9"}},
		{"maxLength", `"name": "abcdef"`, []string{"max-length@2:9"}},
		{"minimum", `"pct": -1`, []string{"minimum@2:8"}},
		{"maximum", `"pct": 100.5`, []string{"maximum@2:8"}},
		{"maximum ok at bound", `"pct": 100`, nil},
		{"exclusiveMinimum", `"ratio": 0`, []string{"minimum@2:10"}},
		{"exclusiveMaximum", `"ratio": 1`, []string{"maximum@2:10"}},
		{"minItems", `"tags": []`, []string{"min-items@2:9"}},
		{"maxItems", `"tags": ["a","b","c","d"]`, []string{"max-items@2:9"}},
		{"uniqueItems", `"tags": ["a","a"]`, []string{"unique-items@2:9"}},
		{"items type points at the item", `"tags": ["a", 2]`, []string{"type@2:15"}},
		{"items format", `"urls": ["https://a.example", "nope"]`, []string{"format@2:31"}},
		{"nested property type", `"nested": {"host": "h", "port": "80"}`, []string{"type@2:33"}},
		{"nested required at the brace", `"nested": {"port": 80}`, []string{"required-property@2:11"}},
		{"date-time ok", `"when": "2026-11-25T10:00:00Z"`, nil},
		{"date-time wrong", `"when": "yesterday"`, []string{"format@2:9"}},
		{"email wrong", `"mail": "not-mail"`, []string{"format@2:9"}},
		{"idn-email ok", `"imail": "jürgen@example.de"`, nil},
		{"ipv4 wrong", `"ip4": "300.1.1.1"`, []string{"format@2:8"}},
		{"ipv6 wrong", `"ip6": "::g"`, []string{"format@2:8"}},
		{"url ok", `"url": "https://example.com/a?b"`, nil},
		{"url relative", `"url": "example.com/a"`, []string{"format@2:8"}},
		{"url no host", `"url": "https://"`, []string{"format@2:8"}},
		{"user ok", `"user": "ana@example.com"`, nil},
		{"user wrong", `"user": "Ana <ana@example.com>"`, []string{"format@2:9"}},
		{"team empty", `"team": ""`, []string{"format@2:9"}},
		{"timer ok", `"timer": "2027-01-01T00:00:00Z"`, nil},
		{"timer wrong", `"timer": "in 3 days"`, []string{"format@2:10"}},
		{"yaml ok", `"yml": "a: 1\nb: [2, 3]\n"`, nil},
		{"yaml wrong", `"yml": "a: [1, 2"`, []string{"format@2:8"}},
		{"markdown any string", `"md": "# hi"`, nil},
		{"proto any string", `"proto": "syntax = \"proto3\";"`, nil},
		{"labeled-url ok", `"link": {"url": "https://x.example", "displayText": "X"}`, nil},
		{"labeled-url without url", `"link": {"displayText": "X"}`, []string{"format@2:9"}},
		{"labeled-url url not string", `"link": {"url": 5}`, []string{"format@2:9"}},
		{"unknown property at the key", `"colr": "red"`, []string{"unknown-property@2:1"}},
		{"mirror property", `"mir": "x"`, []string{"computed-property@2:1"}},
		{"calculation property", `"calc": "x"`, []string{"computed-property@2:1"}},
		{"aggregation property", `"agg": 1`, []string{"computed-property@2:1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := check(t, bp, fmt.Sprintf(base, c.prop))
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	bp, err := openTestCache(t).Get("svc")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ prop, want string }{
		{`"colr": "red"`, `unknown property "colr": blueprint "svc" has no such property (did you mean "color"?)`},
		{`"mir": 1`, `"mir" is a mirror property of blueprint "svc": Port computes it`},
		{`"color": "blue"`, `color: "blue" is not one of "red", "green"`},
		{`"n": "5"`, `n: must be number, got string`},
		{`"tags": ["a", 2]`, `tags[1]: must be string, got number`},
		{`"look": "x"`, `pattern "^(?!tmp-).+$" of property "look" not checked locally`},
	}
	for _, c := range cases {
		root, _, err := entity.Parse([]byte(fmt.Sprintf(base, c.prop)))
		if err != nil {
			t.Fatal(err)
		}
		ents, _ := entity.Extract(root)
		issues := bp.Validate(&ents[0])
		if len(issues) != 1 || !strings.Contains(issues[0].Message, c.want) {
			t.Errorf("%s: got %+v, want a message containing %q", c.prop, issues, c.want)
		}
	}
}

func TestRequired(t *testing.T) {
	bp, err := openTestCache(t).Get("svc")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, src string
		want      []string
	}{
		{"missing required at the properties brace; default only warns",
			`{"identifier": "x", "relations": {"must": "y"},
 "properties": {}}`, []string{"required-property@2:16", "w:required-property@2:16"}},
		{"no properties object: at the entity brace",
			`{"identifier": "x", "relations": {"must": "y"}}`, []string{"required-property@1:1", "w:required-property@1:1"}},
		{"required property null",
			`{"identifier": "x", "relations": {"must": "y"}, "properties": {"req": null, "reqd": "d"}}`, []string{"required-property@1:71"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := check(t, bp, c.src)
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestRelationsTeamIdentifier(t *testing.T) {
	cache := openTestCache(t)
	svc, err := cache.Get("svc")
	if err != nil {
		t.Fatal(err)
	}
	inh, err := cache.Get("inherited")
	if err != nil {
		t.Fatal(err)
	}
	props := `"properties": {"req": "r", "reqd": "d"}`
	cases := []struct {
		name string
		bp   *Blueprint
		src  string
		want []string
	}{
		{"valid relations", svc, `{"identifier": "x", ` + props + `, "relations": {"must": "y", "one": null, "many": ["a", "b"]}}`, nil},
		{"one takes no array", svc, `{"identifier": "x", ` + props + `, "relations": {"must": "y", "one": ["a"]}}`, []string{"relation-value@1:96"}},
		{"many takes an array", svc, `{"identifier": "x", ` + props + `, "relations": {"must": "y", "many": "a"}}`, []string{"relation-value@1:97"}},
		{"identifier inside many", svc, `{"identifier": "x", ` + props + `, "relations": {"must": "y", "many": ["ok", "no way"]}}`, []string{"identifier@1:104"}},
		{"number as relation", svc, `{"identifier": "x", ` + props + `, "relations": {"must": 5}}`, []string{"relation-value@1:84"}},
		{"unknown relation", svc, `{"identifier": "x", ` + props + `, "relations": {"must": "y", "manny": []}}`, []string{"unknown-relation@1:89"}},
		{"required relation missing", svc, `{"identifier": "x", ` + props + `, "relations": {}}`, []string{"required-relation@1:75"}},
		{"required relation missing, no relations", svc, `{"identifier": "x", ` + props + `}`, []string{"required-relation@1:1"}},
		{"required relation null", svc, `{"identifier": "x", ` + props + `, "relations": {"must": null}}`, []string{"required-relation@1:84"}},
		{"search query accepted", svc, `{"identifier": "x", ` + props + `, "relations": {"must": {"combinator": "and", "rules": []}}}`, nil},
		{"team string", svc, `{"identifier": "x", "team": "a", ` + props + `, "relations": {"must": "y"}}`, nil},
		{"team array", svc, `{"identifier": "x", "team": ["a", "b"], ` + props + `, "relations": {"must": "y"}}`, nil},
		{"team number", svc, `{"identifier": "x", "team": 3, ` + props + `, "relations": {"must": "y"}}`, []string{"team@1:29"}},
		{"team array of numbers", svc, `{"identifier": "x", "team": ["a", 3], ` + props + `, "relations": {"must": "y"}}`, []string{"team@1:35"}},
		{"team on inherited ownership", inh, `{"identifier": "x", "team": "a"}`, []string{"team-inherited@1:29"}},
		{"bad identifier", inh, `{"identifier": "has space"}`, []string{"identifier@1:16"}},
		{"title not a string", inh, `{"identifier": "x", "title": 5}`, []string{"entity-shape@1:30"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := check(t, c.bp, c.src)
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestCheckIdentifier(t *testing.T) {
	good := []string{"a", "payments-api", "ns/svc", `dom\user`, "a.b", "x@y", "k=v", "a+b", "a:b", "ünïcödé", "日本", strings.Repeat("a", 1000), "..."}
	bad := []string{"", ".", "..", "a b", "a#b", "a?b", "é\u0301", strings.Repeat("a", 1001), "tab\t"}
	for _, s := range good {
		if err := CheckIdentifier(s); err != nil {
			t.Errorf("CheckIdentifier(%q) = %v, want ok", s, err)
		}
	}
	for _, s := range bad {
		if err := CheckIdentifier(s); err == nil {
			t.Errorf("CheckIdentifier(%q) = nil, want error", s)
		}
	}
}

func TestUnknownBlueprintSuggests(t *testing.T) {
	_, err := openTestCache(t).Get("svx")
	var u *UnknownError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), `did you mean "svc"?`) || !strings.Contains(err.Error(), "known: inherited, svc") {
		t.Fatalf("got %v", err)
	}
	empty, _ := OpenCache(filepath.Join(t.TempDir(), "none"))
	if _, err := empty.Get("x"); err == nil || !strings.Contains(err.Error(), "blueprints pull") {
		t.Fatalf("empty cache: got %v", err)
	}
}

func TestBrokenBlueprints(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"bad json", "{\n  \"identifier\": \"b\",\n  \"schema\": {\n", "b.json:4:1: broken cached blueprint"},
		{"no schema", `{"identifier": "b"}`, `no "schema" object`},
		{"wrong identifier", `{"identifier": "c", "schema": {"properties": {}}}`, `does not match the file name`},
		{"schema does not compile", `{"identifier": "b", "schema": {"properties": {"p": {"type": "strang"}}}}`, `property "p": type "strang" is not one of string, number, boolean, object, array`},
		{"bad relation", `{"identifier": "b", "schema": {"properties": {}}, "relations": {"r": {"many": true}}}`, `relation "r" has no target`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "b.json"), []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			cache, err := OpenCache(dir)
			if err != nil {
				t.Fatal(err)
			}
			_, err = cache.Get("b")
			var le *LoadError
			if !errors.As(err, &le) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want LoadError containing %q", err, c.want)
			}
		})
	}
}

func TestFileNameEscapesSlashes(t *testing.T) {
	if got := FileName("team/svc"); got != "team%2Fsvc.json" {
		t.Fatalf("FileName = %q", got)
	}
}

func TestRatTextStaysShort(t *testing.T) {
	cases := map[string]string{
		"1e400":    "1e+400",
		"-1e400":   "-1e+400",
		"1e-400":   "1e-400",
		"10":       "10",
		"0.1":      "0.1",
		"2.5":      "2.5",
		"1e20":     "1e+20",
		"12345678": "12345678",
	}
	for in, want := range cases {
		r, ok := new(big.Rat).SetString(in)
		if !ok {
			t.Fatalf("bad case %s", in)
		}
		if got := ratText(r); got != want {
			t.Errorf("ratText(%s) = %q, want %q", in, got, want)
		}
	}
}
