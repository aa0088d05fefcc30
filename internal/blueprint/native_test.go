package blueprint

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// chooser picks numbers: from a seeded random source, or from fuzz bytes.
type chooser interface {
	intn(n int) int
}

type randChooser struct{ r *rand.Rand }

func (c randChooser) intn(n int) int { return c.r.Intn(n) }

// byteChooser reads choices from fuzz bytes, 0 once they run out.
type byteChooser struct {
	data []byte
}

func (c *byteChooser) intn(n int) int {
	if len(c.data) == 0 || n <= 1 {
		return 0
	}
	b := c.data[0]
	c.data = c.data[1:]
	return int(b) % n
}

// rawString takes a string from the fuzz bytes (length from one byte).
func (c *byteChooser) rawString() string {
	n := c.intn(24)
	n = min(n, len(c.data))
	s := string(c.data[:n])
	c.data = c.data[n:]
	return s
}

var (
	genTypes    = []string{"null", "boolean", "number", "integer", "string", "array", "object"}
	genNumbers  = []string{"0", "1", "-1", "2", "3", "2.5", "0.1", "0.3", "1e2", "100", "100.0", "-0", "1E1", "1.5e300", "12345678901234567890", "0.30000000000000004", "1e-400", "7", "0.5"}
	genStrings  = []string{"", "a", "ab", "abc", "abcdef", "ABC", "é日本", "12", "2026-01-31T12:00:00Z", "2016-12-31T23:59:60Z", "2026-01-31T12:00:60Z", "2026-02-30T12:00:00Z", "dana@acme.io", `"d s"@acme.io`, "dana@-acme.io", "a..b@x.io", "a@[10.0.0.1]", "10.0.0.1", "300.1.1.1", "01.1.1.1", "1.2.3", "::1", "fe80::1%eth0", "::g", "https://x.example", "x.example/a", "a: [", "a: 1\n", "x@y", "bcb", "red", "-1", "true"}
	genPatterns = []string{"^[a-c]+$", "b", `^\d{2}$`, "é", "^$", "^[A-Z]{3}$", "(?i)abc"}
	genFormats  = []string{"date-time", "email", "idn-email", "ipv4", "ipv6", "url", "user", "team", "timer", "yaml", "markdown", "proto", "blueprints", "labeled-url"}
	genKeys     = []string{"a", "b", "c", "url", "displayText"}
)

func pick[T any](c chooser, list []T) T { return list[c.intn(len(list))] }

// genValue writes a JSON value.
func genValue(c chooser, depth int) string {
	k := c.intn(7)
	if depth > 2 && k >= 5 {
		k = c.intn(5)
	}
	switch k {
	case 0:
		return "null"
	case 1:
		return pick(c, []string{"true", "false"})
	case 2:
		return pick(c, genNumbers)
	case 3, 4:
		if bc, ok := c.(*byteChooser); ok && c.intn(4) == 0 {
			return jsonQuote(strings.ToValidUTF8(bc.rawString(), "?"))
		}
		return strconv.Quote(pick(c, genStrings))
	case 5:
		n := c.intn(5)
		var els []string
		for range n {
			if len(els) > 0 && c.intn(3) == 0 {
				els = append(els, els[c.intn(len(els))]) // a duplicate
				continue
			}
			els = append(els, genValue(c, depth+1))
		}
		return "[" + strings.Join(els, ", ") + "]"
	default:
		n := c.intn(4)
		var ms []string
		seen := map[string]bool{}
		for range n {
			key := pick(c, genKeys)
			if seen[key] {
				continue
			}
			seen[key] = true
			ms = append(ms, strconv.Quote(key)+": "+genValue(c, depth+1))
		}
		return "{" + strings.Join(ms, ", ") + "}"
	}
}

// genSchema writes a JSON schema of the native language.
func genSchema(c chooser, depth int) string {
	var kws []string
	add := func(k, v string) { kws = append(kws, strconv.Quote(k)+": "+v) }
	if c.intn(4) != 0 {
		if c.intn(3) == 0 {
			var names []string
			for _, t := range genTypes {
				if c.intn(3) == 0 {
					names = append(names, strconv.Quote(t))
				}
			}
			if len(names) > 0 {
				add("type", "["+strings.Join(names, ", ")+"]")
			}
		} else {
			add("type", strconv.Quote(pick(c, genTypes)))
		}
	}
	for n := c.intn(5); n > 0; n-- {
		switch c.intn(20) {
		case 0:
			var vals []string
			for m := 1 + c.intn(4); m > 0; m-- {
				vals = append(vals, genValue(c, 2))
			}
			add("enum", "["+strings.Join(vals, ", ")+"]")
		case 1:
			add("const", genValue(c, 2))
		case 2, 3:
			add("format", strconv.Quote(pick(c, genFormats)))
		case 4:
			add("pattern", strconv.Quote(pick(c, genPatterns)))
		case 5:
			add(pick(c, []string{"minLength", "maxLength"}), strconv.Itoa(c.intn(5)))
		case 6, 7:
			add(pick(c, []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}), pick(c, genNumbers))
		case 8:
			add("multipleOf", pick(c, []string{"2", "0.5", "3", "0.1", "1", "1e-3"}))
		case 9:
			if depth < 3 {
				add("items", genSchema(c, depth+1))
			}
		case 10:
			add(pick(c, []string{"minItems", "maxItems"}), strconv.Itoa(c.intn(4)))
		case 11:
			add("uniqueItems", pick(c, []string{"true", "false"}))
		case 12, 13:
			if depth < 3 {
				var ps []string
				seen := map[string]bool{}
				for m := 1 + c.intn(3); m > 0; m-- {
					key := pick(c, genKeys)
					if !seen[key] {
						seen[key] = true
						ps = append(ps, strconv.Quote(key)+": "+genSchema(c, depth+1))
					}
				}
				add("properties", "{"+strings.Join(ps, ", ")+"}")
			}
		case 14:
			var rs []string
			for _, k := range genKeys {
				if c.intn(3) == 0 {
					rs = append(rs, strconv.Quote(k))
				}
			}
			add("required", "["+strings.Join(rs, ", ")+"]")
		case 15:
			switch c.intn(3) {
			case 0:
				add("additionalProperties", "false")
			case 1:
				add("additionalProperties", "true")
			default:
				if depth < 3 {
					add("additionalProperties", genSchema(c, depth+1))
				}
			}
		case 16:
			add("title", `"T"`)
		case 17:
			add("description", `"what it is"`)
		case 18:
			add("default", genValue(c, 2))
		default:
			add(pick(c, []string{"icon", "enumColors", "examples", "readOnly", "deprecated", "$comment"}),
				pick(c, []string{`"Github"`, `{"a": "red"}`, `["x"]`, "true", "false", `"note"`}))
		}
	}
	// A keyword twice: the last one counts, as in the parser.
	return "{" + strings.Join(kws, ", ") + "}"
}

func parseJSON(t testing.TB, src string) *entity.Value {
	t.Helper()
	v, _, err := entity.Parse([]byte(src))
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return v
}

// agree checks the native findings of value against the oracle's. It
// returns false (and says nothing) when the schema is one the generator
// may make but outside what the two are compared on: annotations of the
// wrong type, which go to the fallback library.
func agree(t testing.TB, schema, value string) bool {
	t.Helper()
	def, _ := parseJSON(t, schema).Interface().(map[string]any)
	v := parseJSON(t, value)
	want, oerr := oracleFindings("p", def, v)
	def, _ = parseJSON(t, schema).Interface().(map[string]any)
	got, nerr := nativeFindings("p", def, v)
	if nerr == errOutside {
		if oerr == nil {
			t.Fatalf("schema %s: native compiler finds it outside the language", schema)
		}
		return false
	}
	if (oerr != nil) != (nerr != nil) {
		t.Fatalf("schema %s, value %s:\nlibrary compile error %v\nnative compile error %v", schema, value, oerr, nerr)
	}
	if oerr != nil {
		return true
	}
	if !slices.Equal(got, want) {
		t.Fatalf("schema %s\nvalue %s\nnative  %v\nlibrary %v", schema, value, got, want)
	}
	return true
}

// TestNativeAgreesWithLibraryHandWritten: one or more cases per keyword of
// the native language, findings equal to the library's (rule, location,
// message), valid equal to valid.
func TestNativeAgreesWithLibraryHandWritten(t *testing.T) {
	cases := []struct{ schema, value string }{
		{`{"type": "string"}`, `"x"`},
		{`{"type": "string"}`, `1`},
		{`{"type": ["string", "null"]}`, `1`},
		{`{"type": ["object", "string", "number"]}`, `true`},
		{`{"type": "integer"}`, `1.0`},
		{`{"type": "integer"}`, `1e3`},
		{`{"type": "integer"}`, `1.5`},
		{`{"type": "integer"}`, `12345678901234567890`},
		{`{"type": "number"}`, `"5"`},
		{`{"type": "boolean"}`, `"true"`},
		{`{"type": "array"}`, `{}`},
		{`{"type": "object"}`, `[]`},
		{`{"type": "null"}`, `null`},
		{`{"enum": ["red", "green"]}`, `"blue"`},
		{`{"enum": [1, 2]}`, `1.0`},
		{`{"enum": [1, 2]}`, `"1"`},
		{`{"enum": [{"a": 1}, [1, 2], null, true]}`, `{"a": 1.0}`},
		{`{"enum": [{"a": 1}, [1, 2], null, true]}`, `[1, 2, 3]`},
		{`{"enum": ["a", "b", "c", "d", "e", "f", "g"]}`, `"z"`},
		{`{"enum": []}`, `"z"`},
		{`{"const": "x"}`, `"y"`},
		{`{"const": 0.1}`, `0.10`},
		{`{"const": {"a": [1]}}`, `{"a": [2]}`},
		{`{"type": "string", "pattern": "^[A-Z]{3}$"}`, `"abc"`},
		{`{"pattern": "^[A-Z]{3}$"}`, `5`},
		{`{"minLength": 2, "maxLength": 3}`, `"é"`},
		{`{"minLength": 2, "maxLength": 3}`, `"日本語です"`},
		{`{"minLength": 2, "pattern": "^b"}`, `"a"`},
		{`{"minLength": 2.0}`, `"a"`},
		{`{"minimum": 0, "maximum": 100}`, `-1`},
		{`{"minimum": 0, "maximum": 100}`, `100.5`},
		{`{"minimum": 0, "maximum": 100}`, `100`},
		{`{"minimum": 0.1}`, `0.1`},
		{`{"minimum": 0.1}`, `0.09999999999999999999`},
		{`{"maximum": 0.3}`, `0.30000000000000004`},
		{`{"maximum": 1e400}`, `1e401`},
		{`{"exclusiveMinimum": 0, "exclusiveMaximum": 1}`, `0`},
		{`{"exclusiveMinimum": 0, "exclusiveMaximum": 1}`, `1`},
		{`{"exclusiveMinimum": 0, "exclusiveMaximum": 1}`, `0.5`},
		{`{"minimum": 5, "exclusiveMinimum": 5, "maximum": 1, "exclusiveMaximum": 1}`, `3`},
		{`{"multipleOf": 0.1}`, `0.3`},
		{`{"multipleOf": 0.1}`, `0.35`},
		{`{"multipleOf": 1000}`, `1234567.5`},
		{`{"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3, "uniqueItems": true}`, `[]`},
		{`{"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3, "uniqueItems": true}`, `["a", 2, "a", 3]`},
		{`{"uniqueItems": true}`, `[1, 1.0]`},
		{`{"uniqueItems": true}`, `[{"a": 1, "b": 2}, {"b": 2, "a": 1.0}]`},
		{`{"uniqueItems": true}`, `[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,3.0,21]`},
		{`{"uniqueItems": true}`, `[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"a"]`},
		{`{"items": {"items": {"type": "number"}}}`, `[[1, "x"], [2, [3]]]`},
		{`{"type": "object", "properties": {"port": {"type": "number"}, "host": {"type": "string"}}, "required": ["host"]}`, `{"port": "80"}`},
		{`{"required": ["a", "b"]}`, `{}`},
		{`{"required": ["a", "b"]}`, `{"b": 1}`},
		{`{"properties": {"a": {"type": "string"}}, "additionalProperties": false}`, `{"a": 1, "b": 2, "c": 3}`},
		{`{"properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "number"}}`, `{"a": "x", "b": "y"}`},
		{`{"additionalProperties": true, "properties": {"a": {"const": 1}}}`, `{"a": 2, "z": 3}`},
		{`{"properties": {"a": {"properties": {"b": {"required": ["c"]}}}}}`, `{"a": {"b": {}}}`},
		{`{"type": "string", "format": "date-time"}`, `"yesterday"`},
		{`{"format": "date-time"}`, `"2016-12-31T15:59:60-08:00"`},
		{`{"format": "email"}`, `"dana@acme_corp.io"`},
		{`{"format": "email"}`, `"däna@acme.io"`},
		{`{"format": "idn-email"}`, `"not-mail"`},
		{`{"format": "ipv4"}`, `"a.b.c.d"`},
		{`{"format": "ipv6"}`, `"::g"`},
		{`{"format": "url"}`, `"https://"`},
		{`{"format": "user"}`, `"Ana <ana@example.com>"`},
		{`{"format": "team"}`, `""`},
		{`{"format": "timer"}`, `"in 3 days"`},
		{`{"format": "yaml"}`, `"a: [1, 2"`},
		{`{"format": "markdown"}`, `"# hi"`},
		{`{"format": "labeled-url"}`, `{"displayText": "X"}`},
		{`{"format": "labeled-url"}`, `{"url": 5}`},
		{`{"format": "ipv4", "minLength": 20}`, `"1.2.3"`},
		{`{"type": "string", "title": "T", "description": "D", "icon": "Github", "default": "x", "examples": ["a"], "enumColors": {"a": "red"}, "$comment": "c", "readOnly": true, "writeOnly": false, "deprecated": true, "spec": "open-api", "specAuthentication": {"clientId": "x"}}`, `1`},
	}
	for _, c := range cases {
		if !agree(t, c.schema, c.value) {
			t.Errorf("schema %s: not compared", c.schema)
		}
	}
}

// TestNativeAgreesWithLibraryGenerated: 8,000 generated schemas, three
// values each: pairs of the native language.
func TestNativeAgreesWithLibraryGenerated(t *testing.T) {
	n := 8000
	if testing.Short() {
		n = 2000
	}
	c := randChooser{rand.New(rand.NewSource(15))}
	compared, invalid := 0, 0
	for range n {
		schema := genSchema(c, 0)
		for range 3 {
			value := genValue(c, 0)
			if agree(t, schema, value) {
				compared++
				if got, _ := nativeFindings("p", mustDef(t, schema), parseJSON(t, value)); len(got) > 0 {
					invalid++
				}
			}
		}
	}
	// The generator must reach both verdicts often, or it tests little.
	if compared < n || invalid < compared/10 || invalid > compared*9/10 {
		t.Fatalf("%d pairs compared, %d invalid: the generator is off", compared, invalid)
	}
	t.Logf("%d pairs compared, %d of them invalid", compared, invalid)
}

func mustDef(t testing.TB, schema string) map[string]any {
	def, _ := parseJSON(t, schema).Interface().(map[string]any)
	return def
}

// FuzzNativeAgreesWithLibrary builds a schema of the native language and a
// value from the fuzz bytes and checks that the native validator and the
// library agree on them.
func FuzzNativeAgreesWithLibrary(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte("schema and value"))
	f.Add([]byte{3, 4, 2, 2, 1, 9, 9, 9, 3, 0, 0, 1, 5, 5, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &byteChooser{data: data}
		schema := genSchema(c, 0)
		value := genValue(c, 0)
		agree(t, schema, value)
	})
}

// TestNativeCompileErrors: a keyword of the language with a value JSON
// Schema forbids is a compile error, where the library had one too.
func TestNativeCompileErrors(t *testing.T) {
	for _, schema := range []string{
		`{"minLength": "x"}`, `{"minLength": -1}`, `{"minLength": 1.5}`, `{"maxItems": true}`,
		`{"minimum": "0"}`, `{"multipleOf": 0}`, `{"multipleOf": -2}`, `{"type": "strang"}`,
		`{"type": []}`, `{"type": ["string", "string"]}`, `{"type": 5}`, `{"enum": 5}`,
		`{"format": 5}`, `{"pattern": 5}`, `{"uniqueItems": 1}`, `{"items": [{"type": "string"}]}`,
		`{"properties": 5}`, `{"properties": {"a": 5}}`, `{"required": "a"}`, `{"required": [1]}`,
		`{"required": ["a", "a"]}`, `{"additionalProperties": 5}`, `{"items": {"minLength": "x"}}`,
		`{"exclusiveMinimum": true}`,
	} {
		_, oerr := oracleFindings("p", mustDef(t, schema), parseJSON(t, `"x"`))
		_, nerr := compileNative(mustDef(t, schema))
		var se *schemaError
		if oerr == nil || !errorsAs(nerr, &se) {
			t.Errorf("%s: library %v, native %v: want a compile error from both", schema, oerr, nerr)
		}
	}
}

func errorsAs(err error, se **schemaError) bool {
	e, ok := err.(*schemaError)
	*se = e
	return ok
}

// TestOutsideTheLanguage: keywords beyond the native language send the
// property to the fallback library, whose findings come with a rule and a
// message (and whose verdict agrees with the old library's on these).
func TestOutsideTheLanguage(t *testing.T) {
	cases := []struct {
		schema, value, rule string
	}{
		{`{"anyOf": [{"type": "string"}, {"type": "number"}]}`, `true`, "schema"},
		{`{"anyOf": [{"type": "string"}, {"type": "number"}]}`, `1`, ""},
		{`{"oneOf": [{"minimum": 1}, {"maximum": 5}]}`, `3`, "schema"},
		{`{"not": {"type": "string"}}`, `"x"`, "schema"},
		{`{"type": "object", "patternProperties": {"^x": {"type": "number"}}}`, `{"xa": "1"}`, "type"},
		{`{"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"anyOf": [{"type": "string"}]}}}}}`, `{"a": {"b": 1}}`, "schema"},
		{`{"type": "array", "items": false}`, `[1]`, "schema"},
		{`{"type": "array", "contains": {"const": 2}}`, `[1]`, "schema"},
		{`{"type": "array", "items": {"type": "string", "format": "uuid", "minLength": 3}}`, `["ab"]`, "min-length"},
		{`{"type": "object", "properties": {"n": {"type": "integer", "multipleOf": 2}, "x": {"not": {}}}}`, `{"n": 3}`, "schema"},
		{`{"type": "object", "properties": {"n": {"type": "string"}, "x": {"not": {}}}}`, `{"n": 3}`, "type"},
		{`{"type": "object", "minProperties": 2}`, `{"a": 1}`, "schema"},
		{`{"$defs": {"s": {"type": "string", "maxLength": 2}}, "$ref": "#/properties/p/$defs/s"}`, `"long"`, "max-length"},
		{`{"type": "string", "title": 5}`, `"x"`, ""},
	}
	for _, c := range cases {
		t.Run(c.schema, func(t *testing.T) {
			c2 := newTestCache(t)
			bp, err := c2.Parse("o", "o.json", []byte(`{"identifier": "o", "schema": {"properties": {"p": `+c.schema+`, "q": {"type": "string"}}}}`))
			if c.schema == `{"type": "string", "title": 5}` {
				// A keyword the fallback library reads typed: a compile error.
				var le *LoadError
				if !errorsAsLoad(err, &le) || !strings.Contains(le.Msg, `property "p" does not compile: "title"`) {
					t.Fatalf("got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if bp.checks[0].fallback == nil || bp.checks[1].native == nil {
				t.Fatalf("p should fall back and q not: %+v", bp.checks)
			}
			root := parseJSON(t, `{"identifier": "x", "properties": {"p": `+c.value+`, "q": 1}}`)
			ents, _ := entity.Extract(root)
			var rules []string
			for _, is := range bp.Validate(&ents[0]) {
				if is.Message == "" || is.Node == nil {
					t.Fatalf("incomplete issue %+v", is)
				}
				if is.Pointer == "/properties/q" {
					continue
				}
				rules = append(rules, is.Rule)
				if strings.Contains(is.Message, "validating") {
					t.Errorf("message keeps the library's wrapping: %q", is.Message)
				}
			}
			if strings.Join(rules, " ") != c.rule {
				t.Fatalf("rules %q, want %q", rules, c.rule)
			}
		})
	}
}

func errorsAsLoad(err error, le **LoadError) bool {
	e, ok := err.(*LoadError)
	*le = e
	return ok
}

func mustRead(t *testing.T, name string) string {
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func newTestCache(t *testing.T) *Cache {
	c, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEveryKeywordFixture: the project's own fixture blueprint uses every
// keyword of the native language (and every format), and every one of its
// properties compiles natively.
func TestEveryKeywordFixture(t *testing.T) {
	bp, err := openTestCache(t).Get("svc")
	if err != nil {
		t.Fatal(err)
	}
	for i, pc := range bp.checks {
		if pc.native == nil {
			t.Errorf("property %q is not compiled natively", bp.Properties[i])
		}
	}
	data := mustRead(t, "testdata/svc.json")
	keywords := []string{"type", "format", "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum",
		"exclusiveMinimum", "exclusiveMaximum", "multipleOf", "items", "minItems", "maxItems", "uniqueItems",
		"properties", "required", "additionalProperties"}
	for k := range annotations {
		keywords = append(keywords, k)
	}
	for k := range nativeFormats {
		keywords = append(keywords, k)
	}
	for _, k := range keywords {
		if !strings.Contains(data, strconv.Quote(k)) {
			t.Errorf("testdata/svc.json does not use %q", k)
		}
	}
}

// formatSamples are strings near the edges of the standard formats.
var formatSamples = []string{
	"", "a", "2026-01-31T12:00:00Z", "2026-01-31t12:00:00z", "2026-01-31T12:00:00.123+02:00", "2016-12-31T23:59:60Z",
	"2016-12-31T15:59:60-08:00", "2016-12-31T23:59:60+00:01", "2026-01-31T12:00:60Z", "2026-01-31T9:26:53Z", "2026-01-31T09:26:53,123Z",
	"2026-01-31T09:26:53+24:00", "2026-01-31T09:26:53+02:60", "2026-01-31 12:00:00Z", "2026-01-31T12:00:00", "2026-02-30T12:00:00Z",
	"2026-01-31T+1:00:00Z", "2026-01-31T-1:00:00Z", "2026-01-31T12:00:00.Z", "2026-01-31T12:00:00+-5:30", "2026-01-31T12:00:00++5:30",
	"2026-1-31T12:00:00Z", "0000-01-01T00:00:00Z", "2026-01-31T23:59:60-00:00", "2026-01-31T00:00:60+23:59",
	"dana@acme.io", "dana.smith+ops@acme.io", `"dana smith"@acme.io`, `"a\"b"@x.io`, `""@x.io`, "dana@-acme.io", "dana@acme-.io",
	"dana@acme_corp.io", "däna@acme.io", "Ana <ana@example.com>", "not-mail", ".a@x.io", "a.@x.io", "a..b@x.io", "a@x..io",
	"a@[10.0.0.1]", "a@[IPv6:::1]", "a@[IPv6:::g]", "a@[300.0.0.1]", "a@[]", "a@", "@x.io", "a@b@c.io",
	strings.Repeat("a", 65) + "@x.io", "a@" + strings.Repeat("b", 64) + ".io", "a@" + strings.Repeat("b.", 127) + "io",
	"10.0.0.1", "0.0.0.0", "255.255.255.255", "256.0.0.1", "01.1.1.1", "1.2.3", "1.2.3.4.5", "a.b.c.d", "+1.2.3.4", "-1.2.3.4", "1..2.3",
	"::1", "fe80::1", "fe80::1%eth0", "::g", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "::ffff:10.0.0.1", "1.2.3.4", ":", "[::1]",
}

// TestStandardFormatsAgreeWithLibrary: date-time, email, ipv4, ipv6 and
// idn-email, and Port's user and timer built on them, give the library's
// verdict and message on every sample.
func TestStandardFormatsAgreeWithLibrary(t *testing.T) {
	for _, f := range []string{"date-time", "email", "ipv4", "ipv6", "idn-email", "user", "timer"} {
		for _, s := range formatSamples {
			agree(t, `{"format": "`+f+`"}`, jsonQuote(s))
		}
	}
}

// FuzzFormatsAgreeWithLibrary: the same on any string.
func FuzzFormatsAgreeWithLibrary(f *testing.F) {
	for _, s := range formatSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		for _, name := range []string{"date-time", "email", "ipv4", "ipv6", "user", "timer"} {
			agree(t, `{"format": "`+name+`"}`, jsonQuote(s))
		}
	})
}

// jsonQuote writes s as a JSON string.
func jsonQuote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestExampleBlueprintsCompileNatively: every blueprint under the directory
// $PORT_GITOPS_EXAMPLES_DIR names (real blueprints from Port's docs and
// integrations, read where they are, never copied into the project)
// compiles, and every property of it natively: none needs the fallback.
func TestExampleBlueprintsCompileNatively(t *testing.T) {
	dir := os.Getenv("PORT_GITOPS_EXAMPLES_DIR")
	if dir == "" {
		t.Skip("PORT_GITOPS_EXAMPLES_DIR is not set (the directory of example blueprints, such as ../shared/examples)")
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cache := &Cache{files: map[string]string{}}
	blueprints, properties := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		root, _, err := entity.Parse(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if w := root.Get("blueprint"); w != nil {
			root = w
		}
		id := root.Get("identifier")
		if root.Get("schema") == nil || id == nil || id.Kind != entity.KindString {
			continue // an entity file, not a blueprint
		}
		bp, err := cache.Parse(id.Str, f, data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		blueprints++
		for i, pc := range bp.checks {
			properties++
			if pc.native == nil {
				t.Errorf("%s: property %q falls back to the JSON Schema library", f, bp.Properties[i])
			}
		}
	}
	if blueprints == 0 {
		t.Fatalf("no blueprint under %s", dir)
	}
	t.Logf("%d blueprints, %d properties, all compiled natively", blueprints, properties)
}

// TestFallbackRefusesLoops: a blueprint whose references would make the
// fallback library recurse forever (a fatal stack overflow, not an error)
// or take exponential time is a compile error at the offending schema;
// references that go down into the value are fine.
func TestFallbackRefusesLoops(t *testing.T) {
	var chain strings.Builder
	chain.WriteString(`{"$defs": {`)
	for i := range 30 {
		fmt.Fprintf(&chain, `"d%d": {"allOf": [{"$ref": "#/properties/p/$defs/d%d"}, {"$ref": "#/properties/p/$defs/d%d"}]}, `, i, i+1, i+1)
	}
	chain.WriteString(`"d30": {"type": "string"}}, "$ref": "#/properties/p/$defs/d0"}`)
	cases := []struct {
		name, props, want string
	}{
		{"self", `"p": {"$ref": "#/properties/p"}`, "leads back to itself"},
		{"through allOf", `"p": {"allOf": [{"$ref": "#/properties/p"}]}`, "leads back to itself"},
		{"two properties", `"p": {"$ref": "#/properties/q"}, "q": {"anyOf": [{"$ref": "#/properties/p"}]}`, "leads back to itself"},
		{"exponential", `"p": ` + chain.String(), "more than 10000 subschemas"},
		{"moving base", `"p": {"$id": "x", "anyOf": [{"type": "string"}]}`, "$id is not followed"},
		{"anchor", `"p": {"$ref": "#a", "anyOf": [{"type": "string"}]}`, "names an anchor"},
		{"down into the value", `"p": {"type": "object", "properties": {"child": {"$ref": "#/properties/p"}}}`, ""},
		{"to the root", `"p": {"anyOf": [{"$ref": "#"}]}`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			withDeadline(t, func() {
				bp, err := newTestCache(t).Parse("o", "o.json", []byte(`{"identifier": "o", "schema": {"properties": {`+c.props+`}}}`))
				if c.want == "" {
					if err != nil {
						t.Fatal(err)
					}
					root := parseJSON(t, `{"identifier": "x", "properties": {"p": {"child": {"child": {"child": 5}}}}}`)
					ents, _ := entity.Extract(root)
					bp.Validate(&ents[0])
					return
				}
				var le *LoadError
				if !errorsAsLoad(err, &le) || !strings.Contains(le.Msg, c.want) || !strings.Contains(le.Msg, `property "p"`) && !strings.Contains(le.Msg, `property "q"`) {
					t.Fatalf("got %v, want a LoadError saying %q", err, c.want)
				}
			})
		})
	}
}

// TestHugeExponents: numbers far beyond float64 (1e999999999; the former
// library crashed on them with a nil pointer) compare exactly by their
// digits, never through big.Rat (which would build 10^exponent), and are
// named in short scientific notation.
func TestHugeExponents(t *testing.T) {
	cases := []struct{ schema, value, want string }{
		{`{"type": "number", "minimum": 0, "maximum": 100}`, `1e999999999`, "p maximum: 1e+999999999 is greater than the maximum 100"},
		{`{"type": "number", "minimum": 0, "maximum": 100}`, `-1e999999999`, "p minimum: -1e+999999999 is less than the minimum 0"},
		{`{"type": "number", "exclusiveMaximum": 1e308}`, `1e999999999`, "p maximum: 1e+999999999 must be less than 1e+308"},
		{`{"type": "integer", "multipleOf": 2}`, `1e999999999`, ""},
		{`{"enum": [1]}`, `1e999999999`, "p enum: 1e999999999 is not one of 1"},
		{`{"uniqueItems": true}`, `[1e999999999, 2e999999999]`, ""},
		{`{"uniqueItems": true}`, `[1e999999, 10e999998]`, "p unique-items: items 0 and 1 are equal; items must be unique"},
		{`{"type": "integer"}`, `1.5e-999999`, "p type: must be integer, got number"},
	}
	for _, c := range cases {
		got, err := nativeFindings("p", mustDef(t, c.schema), parseJSON(t, c.value))
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, f := range got {
			s = append(s, f.String())
		}
		if strings.Join(s, "; ") != c.want {
			t.Errorf("%s, %s: got %q, want %q", c.schema, c.value, s, c.want)
		}
	}
}
