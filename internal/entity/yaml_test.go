package entity

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/port-gitops/port-gitops/internal/report"
)

// yamlRefPos is refPos without counting a leading byte order mark, the
// oracle for every position ParseYAML reports.
func yamlRefPos(data []byte, off int) Pos {
	p := refPos(data, off)
	if p.Line == 1 && strings.HasPrefix(string(data), "\xEF\xBB\xBF") && off >= 3 {
		p.Column--
	}
	return p
}

// checkYAMLPositions asserts that every position of a ParseYAML result
// lies inside the input and agrees with its offset.
func checkYAMLPositions(t *testing.T, data []byte, root *Value, diags []Diagnostic, err error) {
	t.Helper()
	check := func(what string, p Pos) {
		t.Helper()
		if p.Offset < 0 || p.Offset > len(data) {
			t.Fatalf("%s: offset %d outside input of %d bytes", what, p.Offset, len(data))
		}
		if want := yamlRefPos(data, p.Offset); p != want {
			t.Fatalf("%s: position %+v, recomputed from its offset %+v", what, p, want)
		}
	}
	if err != nil {
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("error %v is not a *SyntaxError", err)
		}
		if se.Rule != RuleYAMLSyntax {
			t.Fatalf("syntax error rule %q", se.Rule)
		}
		check("syntax error "+se.Msg, se.Pos)
		if root != nil || diags != nil {
			t.Fatalf("error %v came with a tree or diagnostics", err)
		}
		return
	}
	for _, d := range diags {
		check("diagnostic "+d.Problem().Rule, d.Pos)
		if d.Rule == "" {
			check("first "+d.Key, d.FirstPos)
		}
	}
	seen := map[*Value]bool{}
	var walk func(v *Value)
	walk = func(v *Value) {
		if seen[v] {
			return // a shared (aliased) value
		}
		seen[v] = true
		check("value", v.Pos)
		for _, e := range v.Elems {
			walk(e)
		}
		for _, m := range v.Members {
			check("key "+m.Key, m.KeyPos)
			walk(m.Value)
		}
	}
	walk(root)
}

func mustYAML(t *testing.T, in string) (*Value, []Diagnostic) {
	t.Helper()
	root, diags, err := ParseYAML([]byte(in))
	checkYAMLPositions(t, []byte(in), root, diags, err)
	if err != nil {
		t.Fatalf("ParseYAML(%q): %v", in, err)
	}
	return root, diags
}

// TestParseYAMLPositions checks where values and keys start, in the
// package's convention, across YAML's styles.
func TestParseYAMLPositions(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string // JSON pointer (with "#key" for a key) -> line:col
	}{
		{"single entity", "identifier: svc\nblueprint: service\nproperties:\n  url: https://x.io\n",
			map[string]string{"": "1:1", "/identifier": "1:13", "#/identifier": "1:1", "/properties": "4:3", "/properties/url": "4:8", "#/properties/url": "4:3"}},
		{"list of entities", "- identifier: a\n  blueprint: b\n- identifier: c\n",
			map[string]string{"": "1:1", "/0": "1:3", "/0/identifier": "1:15", "/1/identifier": "3:15", "#/0/blueprint": "2:3"}},
		{"flow style", "{identifier: a, team: [x, \"y\"], p: {k: 1}}",
			map[string]string{"": "1:1", "/identifier": "1:14", "/team": "1:23", "/team/1": "1:27", "/p": "1:36", "/p/k": "1:40"}},
		{"non-ASCII columns count characters", "é: \"ü\"\nkey: [日本, 語]\n",
			map[string]string{"/é": "1:4", "/key/0": "2:7", "/key/1": "2:11"}},
		{"anchors and aliases point where the value is written", "base: &b\n  x: 1\ncopy: *b\nlist: &l [1, 2]\nagain: *l\n",
			map[string]string{"/base": "2:3", "/copy": "2:3", "/copy/x": "2:6", "/list": "4:10", "/again/1": "4:14"}},
		{"merge keys", "base: &b {x: 1, y: 2}\nsvc:\n  <<: *b\n  y: 3\n",
			map[string]string{"/svc/x": "1:14", "/svc/y": "4:6", "#/svc/y": "4:3"}},
		{"literal and folded block scalars", "a: |\n  line one\n  line two\nb: >-\n  folded\n  text\nc: 1\n",
			map[string]string{"/a": "1:4", "/b": "4:4", "/c": "7:4"}},
		{"comments", "# head\nidentifier: a # trailing\n# between\nteam: [] # end\n",
			map[string]string{"/identifier": "2:13", "/team": "4:7"}},
		{"CRLF", "identifier: a\r\nproperties:\r\n  n: 1\r\n",
			map[string]string{"/identifier": "1:13", "/properties/n": "3:6"}},
		{"BOM is not a column", "\xEF\xBB\xBFidentifier: a\nb: 2\n",
			map[string]string{"/identifier": "1:13", "#/identifier": "1:1", "/b": "2:4"}},
		{"document start and directive", "%YAML 1.2\n---\nidentifier: a\n",
			map[string]string{"/identifier": "3:13"}},
		{"tagged value starts after the tag", "a: !!str 12\nb: &x !!int \"7\"\n",
			map[string]string{"/a": "1:10", "/b": "2:13"}},
		{"lone CR is not a line break here", "a: 1\rb: 2\n",
			map[string]string{"/b": "1:9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, _ := mustYAML(t, tt.in)
			for ptr, want := range tt.want {
				key := strings.HasPrefix(ptr, "#")
				p := strings.TrimPrefix(ptr, "#")
				toks, err := ParsePointer(p)
				if err != nil {
					t.Fatal(err)
				}
				var got Pos
				if key {
					parent := root.Lookup(toks[:len(toks)-1])
					m, ok := parent.Member(toks[len(toks)-1])
					if !ok {
						t.Fatalf("%s: no member", ptr)
					}
					got = m.KeyPos
				} else {
					v := root.Lookup(toks)
					if v == nil {
						t.Fatalf("%s: no value in %s", ptr, jsonOf(root))
					}
					got = v.Pos
				}
				if got.String() != want {
					t.Errorf("%s at %s, want %s", ptr, got, want)
				}
			}
		})
	}
}

func jsonOf(v *Value) string {
	b, _ := json.Marshal(v.Interface())
	return string(b)
}

// TestParseYAMLValues checks how scalars become JSON values.
func TestParseYAMLValues(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a: 1", `{"a":1}`},
		{"a: -12", `{"a":-12}`},
		{"a: 1.50", `{"a":1.50}`},
		{"a: 1e3", `{"a":1e3}`},
		{"a: +12", `{"a":12}`},
		{"a: 0x1F", `{"a":31}`},
		{"a: 0o17", `{"a":15}`},
		{"a: 0755", `{"a":493}`},
		{"a: 1_000", `{"a":1000}`},
		{"a: .5", `{"a":0.5}`},
		{"a: -.5e2", `{"a":-0.5e2}`},
		{"a: 08", `{"a":8}`},
		{"a: 123456789012345678901234567890", `{"a":123456789012345678901234567890}`},
		{"a: true\nb: False\nc: TRUE", `{"a":true,"b":false,"c":true}`},
		{"a: yes\nb: no\nc: on\nd: off", `{"a":"yes","b":"no","c":"on","d":"off"}`},
		{"a: ~\nb: null\nc:\nd: Null", `{"a":null,"b":null,"c":null,"d":null}`},
		{"a: 2026-01-31\nb: 2026-01-31T10:00:00Z", `{"a":"2026-01-31","b":"2026-01-31T10:00:00Z"}`},
		{"a: 12:30", `{"a":"12:30"}`},
		{`a: "1"` + "\nb: '2'\nc: !!str 3", `{"a":"1","b":"2","c":"3"}`},
		{"a: !!int \"7\"\nb: !!float \"1\"", `{"a":7,"b":1}`},
		{"a: |\n  x\n  y\nb: >\n  p\n  q\n", `{"a":"x\ny\n","b":"p q\n"}`},
		{"1: one\ntrue: t", `{"1":"one","true":"t"}`},
		{"base: &b {x: 1, y: 2}\nsvc:\n  <<: *b\n  y: 3", `{"base":{"x":1,"y":2},"svc":{"x":1,"y":3}}`},
		{"a: &a {x: 1}\nb: &b {x: 2, z: 2}\nc: {<<: [*a, *b], w: 0}", `{"a":{"x":1},"b":{"x":2,"z":2},"c":{"w":0,"x":1,"z":2}}`},
		{"- a\n- [b, {c: d}]", `["a",["b",{"c":"d"}]]`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			root, diags := mustYAML(t, tt.in)
			if len(diags) > 0 {
				t.Fatalf("diagnostics %+v", diags)
			}
			want, err := unmarshal([]byte(tt.want))
			if err != nil {
				t.Fatal(err)
			}
			if got := root.Interface(); !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v\nwant %#v", got, want)
			}
			// Every number's text is valid JSON.
			var walk func(v *Value)
			walk = func(v *Value) {
				if v.Kind == KindNumber && !json.Valid([]byte(v.Num)) {
					t.Errorf("number text %q is not JSON", v.Num)
				}
				for _, e := range v.Elems {
					walk(e)
				}
				for _, m := range v.Members {
					walk(m.Value)
				}
			}
			walk(root)
		})
	}
}

// TestParseYAMLCrossCheckJSON: JSON is YAML, so for documents that are
// both, ParseYAML and Parse agree on values and types.
func TestParseYAMLCrossCheckJSON(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `{"a":1}`, `[1,"two",true,null,{"five":5.0}]`, `{"a":{"b":{"c":[[],[{}],{"d":null}]}}}`,
		`{"n":[0,-0,1.5,-1.5e-10,1E+2,0.0,123456789012345678901234567890]}`,
		// Not `\/`: YAML 1.2 allows that escape, yaml/v3 rejects it.
		`{"s":"x","e":"","u":"日本語","esc":"\"\\\b\f\n\r\t\u00e9"}`,
		`{"é":"ü","k":[true,false,null]}`, "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n",
		sampleEntity, benchEntity,
	}
	for _, d := range docs {
		name := d
		if len(name) > 30 {
			name = name[:30]
		}
		t.Run(name, func(t *testing.T) {
			jroot, jdiags, err := Parse([]byte(d))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			yroot, ydiags := mustYAML(t, d)
			if !reflect.DeepEqual(jroot.Interface(), yroot.Interface()) {
				t.Fatalf("values differ\nJSON %#v\nYAML %#v", jroot.Interface(), yroot.Interface())
			}
			if len(jdiags) != len(ydiags) {
				t.Fatalf("diagnostics differ: JSON %+v YAML %+v", jdiags, ydiags)
			}
			var cmp func(j, y *Value)
			cmp = func(j, y *Value) {
				if j.Kind != y.Kind || j.Num != y.Num || j.Pos != y.Pos {
					t.Fatalf("JSON %s %q at %v, YAML %s %q at %v", j.Kind, j.Num, j.Pos, y.Kind, y.Num, y.Pos)
				}
				for i := range j.Elems {
					cmp(j.Elems[i], y.Elems[i])
				}
				for i := range j.Members {
					if j.Members[i].Key != y.Members[i].Key || j.Members[i].KeyPos != y.Members[i].KeyPos {
						t.Fatalf("member %d: JSON %q at %v, YAML %q at %v", i, j.Members[i].Key, j.Members[i].KeyPos, y.Members[i].Key, y.Members[i].KeyPos)
					}
					cmp(j.Members[i].Value, y.Members[i].Value)
				}
			}
			cmp(jroot, yroot)
		})
	}
}

// TestParseYAMLFindings checks the non-fatal findings: duplicate keys,
// a second document, tabs.
func TestParseYAMLFindings(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // rule@line:col (first line for a duplicate)
	}{
		{"duplicate key", "identifier: a\nteam: x\nidentifier: b\n", []string{"duplicate-key@3:1 first 1:1 /identifier"}},
		{"duplicate key nested", "properties:\n  a: 1\n  b: 2\n  a: 3\n", []string{"duplicate-key@4:3 first 2:3 /properties/a"}},
		{"duplicate key in flow", "- {a: 1, a: 2}\n", []string{"duplicate-key@1:10 first 1:4 /0/a"}},
		{"merge is not a duplicate", "b: &b {x: 1}\nc: {<<: *b, x: 2}\n", nil},
		{"second document", "identifier: a\n---\nidentifier: b\n", []string{"yaml-multiple-documents@2:1"}},
		{"second document after a start marker", "---\nidentifier: a\n--- \nidentifier: b\n", []string{"yaml-multiple-documents@3:1"}},
		{"broken second document", "identifier: a\n---\n[b\n", []string{"yaml-multiple-documents@2:1"}},
		{"empty trailing document is fine", "identifier: a\n---\n", nil},
		{"directive is fine", "%YAML 1.2\n---\nidentifier: a\n", nil},
		{"tab in flow indentation", "team: [\n\tx,\n\ty]\n", []string{"yaml-tab-indent@2:1", "yaml-tab-indent@3:1"}},
		{"tab in block scalar content is content", "a: |\n  x\n  \ty\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := mustYAML(t, tt.in)
			var got []string
			for _, d := range diags {
				p := d.Problem()
				s := fmt.Sprintf("%s@%s", p.Rule, p.Pos)
				if d.Rule == "" {
					s += fmt.Sprintf(" first %s /%s", d.FirstPos, strings.TrimPrefix(d.Pointer, "/"))
				}
				got = append(got, s)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestParseYAMLErrors checks that bad input is a positioned yaml-syntax
// error, never a panic.
func TestParseYAMLErrors(t *testing.T) {
	tests := []struct {
		name, in, pos, msg string
	}{
		{"empty", "", "1:1", "file is empty"},
		{"only comments", "# nothing\n", "1:1", "file is empty"},
		{"tab indentation", "a:\n\t- 1\n", "2:1", "tab used for indentation"},
		{"bad token", "a: 1\nb: @x\n", "2:4", "cannot start any token"},
		{"unclosed flow", "a: 1\nb: [1, 2\n", "", "did not find expected"},
		{"bad indentation", "a:\n  b: 1\n c: 2\n", "", ""},
		{"invalid UTF-8", "a: \xff\n", "1:4", "invalid UTF-8"},
		{"UTF-16", "\xFF\xFEa\x00", "1:1", "UTF-16"},
		{"infinity", "a: .inf\n", "1:4", "cannot be written in JSON"},
		{"nan", "a: [.NaN]\n", "1:5", "cannot be written in JSON"},
		{"mapping key", "? [a]\n: 1\n", "1:3", "a mapping key must be a string"},
		{"bad int tag", "a: !!int abc\n", "1:10", "cannot be written in JSON"},
		{"unknown anchor", "a: *nope\n", "", "unknown anchor"},
		{"merge of a scalar", "a: {<<: 1}\n", "1:9", "merge key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, diags, err := ParseYAML([]byte(tt.in))
			checkYAMLPositions(t, []byte(tt.in), root, diags, err)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a syntax error", err)
			}
			if tt.pos != "" && se.Pos.String() != tt.pos {
				t.Errorf("at %s, want %s (%s)", se.Pos, tt.pos, se.Msg)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("message %q, want it to contain %q", se.Msg, tt.msg)
			}
			if p := se.Problem(); p.Rule != "yaml-syntax" {
				t.Errorf("rule %q", p.Rule)
			}
		})
	}
}

// TestParseYAMLLimits: alias bombs and deep nesting are errors, quickly.
func TestParseYAMLLimits(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&bomb, "a%d: &a%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				bomb.WriteString(", ")
			}
			fmt.Fprintf(&bomb, "*a%d", i-1)
		}
		bomb.WriteString("]\n")
	}
	deep := strings.Repeat("[", MaxDepth+5) + strings.Repeat("]", MaxDepth+5)
	deepBlock := ""
	for i := 0; i < MaxDepth+5; i++ {
		deepBlock += strings.Repeat(" ", i) + "k:\n"
	}
	for name, in := range map[string]string{"billion laughs": bomb.String(), "deep flow": deep, "deep block": deepBlock} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			root, diags, err := ParseYAML([]byte(in))
			checkYAMLPositions(t, []byte(in), root, diags, err)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a syntax error", err)
			}
			if !strings.Contains(se.Msg, "alias bomb") && !strings.Contains(se.Msg, "too deep") && !strings.Contains(se.Msg, "depth") {
				t.Errorf("message %q", se.Msg)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d) // a hang guard, not a speed claim
			}
		})
	}
	// Aliases within the limit are fine, and shared.
	root, _ := mustYAML(t, "a: &a [1, 2]\nb: [*a, *a]\n")
	if b := root.Get("b"); b.Elems[0] != root.Get("a") || b.Elems[1] != root.Get("a") {
		t.Errorf("aliases do not share the anchored value")
	}
}

// TestParseYAMLAmbiguity checks which plain scalars carry which Ambiguity.
func TestParseYAMLAmbiguity(t *testing.T) {
	tests := []struct {
		scalar string
		want   Ambiguity
	}{
		{"no", AmbiguityBool}, {"Yes", AmbiguityBool}, {"ON", AmbiguityBool}, {"off", AmbiguityBool},
		{"y", AmbiguityNone}, {"n", AmbiguityNone}, {"true", AmbiguityNone}, {"nope", AmbiguityNone},
		{"2026-01-31", AmbiguityTimestamp}, {"2026-01-31T10:00:00Z", AmbiguityTimestamp}, {"2026-1-31", AmbiguityNone},
		{"12:30", AmbiguitySexagesimal}, {"1:02:03.5", AmbiguitySexagesimal}, {"12:60", AmbiguityNone}, {"00:30", AmbiguityNone},
		{"0755", AmbiguityOctal}, {"-017", AmbiguityOctal}, {"08", AmbiguityOctal}, {"0", AmbiguityNone},
		{"1e3", AmbiguityString}, {"1.0e3", AmbiguityString}, {"0o17", AmbiguityString}, {"1.0e+3", AmbiguityNone},
		{"1.10", AmbiguityNumberText}, {"2.0", AmbiguityNumberText}, {"1.5", AmbiguityNone}, {"10", AmbiguityNone},
		{"0x1F", AmbiguityNone}, {"1_000", AmbiguityNone}, {"hello", AmbiguityNone},
		{`"no"`, AmbiguityNone}, {"'0755'", AmbiguityNone}, {"!!str no", AmbiguityNone}, {"!!float 1.10", AmbiguityNone},
	}
	for _, tt := range tests {
		t.Run(tt.scalar, func(t *testing.T) {
			root, _ := mustYAML(t, "v: "+tt.scalar+"\n")
			if got := root.Get("v").Ambiguity; got != tt.want {
				t.Errorf("ambiguity %s, want %s", got, tt.want)
			}
		})
	}
	// JSON never has one.
	root, _, err := Parse([]byte(`{"v":1.10}`))
	if err != nil || root.Get("v").Ambiguity != AmbiguityNone {
		t.Errorf("JSON value has an ambiguity")
	}
}

// TestScalarPitfall checks the decision: which ambiguities are findings
// where the schema allows which types.
func TestScalarPitfall(t *testing.T) {
	str, num, boolean, integer, anyType := []string{"string"}, []string{"number"}, []string{"boolean"}, []string{"integer"}, []string(nil)
	tests := []struct {
		scalar string
		types  []string
		want   string // substring of the message; "" for no finding
	}{
		{"no", str, `quote the value ("no")`},
		{"no", anyType, `quote the value ("no")`},
		{"no", boolean, "write false"},
		{"on", boolean, "write true"},
		{"no", num, ""},
		{"2026-01-31", str, `quote the value ("2026-01-31")`},
		{"2026-01-31", num, ""},
		{"12:30", str, `quote the value ("12:30")`},
		{"12:30", integer, ""},
		{"0755", str, `quote the value ("0755")`},
		{"0755", num, "octal"},
		{"0755", integer, "octal"},
		{"1e3", num, "plain decimal number"},
		{"1e3", str, ""},
		{"1e3", anyType, ""},
		{"1.10", str, `quote the value ("1.10")`},
		{"1.10", num, ""},
		{"1.10", anyType, ""},
		{"1.10", []string{"string", "number"}, ""},
		{"hello", str, ""},
		{`"no"`, str, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v", tt.scalar, tt.types), func(t *testing.T) {
			root, _ := mustYAML(t, "v: "+tt.scalar+"\n")
			got := ScalarPitfall(root.Get("v"), tt.types)
			switch {
			case tt.want == "" && got != "":
				t.Errorf("unexpected finding %q", got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("finding %q, want it to contain %q", got, tt.want)
			}
		})
	}
	if ScalarPitfall(nil, nil) != "" {
		t.Errorf("nil value has a pitfall")
	}
}

// TestParseYAMLExtract: the entities of the port.yml shapes come
// out of Extract as from JSON.
func TestParseYAMLExtract(t *testing.T) {
	in := "- identifier: cartService\n  blueprint: component\n  relations:\n    system: cart\n    resources: [\"cartSqlDb\"]\n" +
		"- identifier: k8f_sonarr\n  team: []\n  icon: DefaultBlueprint\n  blueprint: sonarQubeProject\n  properties: {organization: null, coverage: 0}\n"
	root, _ := mustYAML(t, in)
	ents, probs := Extract(root)
	if len(probs) != 0 || len(ents) != 2 {
		t.Fatalf("entities %d, problems %+v", len(ents), probs)
	}
	if ents[1].Identifier != "k8f_sonarr" || ents[1].Blueprint != "sonarQubeProject" || ents[1].Node.Pos.String() != "6:3" {
		t.Errorf("second entity %+v at %v", ents[1], ents[1].Node.Pos)
	}
}

var yamlCorpus = []string{
	"identifier: a\nblueprint: b\n", "- a\n- b\n", "{a: [1, 2]}", "a: &x 1\nb: *x\n", "a: |\n  x\n", "a: >-\n  y\n",
	"\xEF\xBB\xBFa: 1\n", "a: 1\r\nb: 2\r\n", "a: 1\rb: 2", "a: 1\n---\nb: 2\n", "a:\n\t- 1\n", "[1, 2", "a: .inf",
	"<<: {a: 1}", "? [a]\n: 1", "a: 0755\nb: no\nc: 12:30\nd: 2026-01-31\ne: 1.10", "a: b: c", "- - - x", "\"\\u00e9\": 1",
	"a: \xc2\x85b: 1", "a: 1\n...\n---\nb: 2\n", "&a [*a]", "a: !!binary aGk=", "%YAML 1.2\n---\na: 1\n", "é: &é ü\nx: *é\n",
}

// FuzzParseYAML checks that ParseYAML never panics, that every position it
// reports lies inside the input and agrees with its offset, and that every
// number it returns is valid JSON.
func FuzzParseYAML(f *testing.F) {
	for _, in := range yamlCorpus {
		f.Add([]byte(in))
	}
	for _, in := range corpus {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		root, diags, err := ParseYAML(data)
		checkYAMLPositions(t, data, root, diags, err)
		if err != nil {
			return
		}
		seen := map[*Value]bool{}
		var walk func(v *Value)
		walk = func(v *Value) {
			if seen[v] {
				return
			}
			seen[v] = true
			if v.Kind == KindNumber && !json.Valid([]byte(v.Num)) {
				t.Fatalf("number text %q is not JSON", v.Num)
			}
			for _, e := range v.Elems {
				walk(e)
			}
			for _, m := range v.Members {
				walk(m.Value)
			}
		}
		walk(root)
		Extract(root)
		ScalarPitfall(root, []string{"string"})
	})
}

// TestYAMLRulesAreKnown: every rule ParseYAML's findings name is described
// for the report formats.
func TestYAMLRulesAreKnown(t *testing.T) {
	for _, r := range []string{RuleYAMLSyntax, RuleYAMLMultipleDocuments, RuleYAMLTabIndent, RuleYAMLAmbiguousScalar, "duplicate-key", "server-field"} {
		if !report.KnownRule(r) {
			t.Errorf("rule %q is not among report's described rules", r)
		}
	}
}

// benchYAMLEntity is benchEntity written as a port.yml would be.
const benchYAMLEntity = `identifier: notification-microservice
title: Notification Service
icon: Microservice
blueprint: microservice
team: [platform, sre-oncall]
properties:
  url: https://www.github.com/acme/notification
  language: Go
  description: "Sends e-mail, SMS and push notifications \u2014 owned by Platform."
  tier: tier-1
  replicas: 3
  cpuLimit: 0.5
  public: false
  lastDeploy: "2024-11-03T10:15:00Z"
  slackChannel: "#notifications"
  readme: |
    # Notification service

    Run ` + "`make dev`" + ` to start it.
  labels:
    cost-center: CC-1042
    region: eu-west-1
    owner: Zoë Müller
  endpoints:
    - {path: /v1/send, method: POST, rateLimit: 1000}
    - {path: "/v1/status/{id}", method: GET, rateLimit: 5000}
  sla: {availability: 99.95, latencyP99Ms: 250}
relations:
  system: messaging
  dependencies: [user-service, template-service]
`

// BenchmarkParseYAML parses one realistic port.yml; compare with
// BenchmarkParse (the same entity as JSON):
// go test ./internal/entity -run '^$' -bench 'Parse(YAML)?$' -benchmem
func BenchmarkParseYAML(b *testing.B) {
	data := []byte(benchYAMLEntity)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseYAML(data); err != nil {
			b.Fatal(err)
		}
	}
}
