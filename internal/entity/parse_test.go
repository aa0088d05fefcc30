package entity

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// refPos computes the position of byte off the slow, obvious way, as the
// oracle for every position the parser reports.
func refPos(data []byte, off int) Pos {
	line, lineStart := 1, 0
	for i := 0; i < off; i++ {
		if data[i] == '\n' {
			line++
			lineStart = i + 1
		}
	}
	return Pos{Offset: off, Line: line, Column: utf8.RuneCount(data[lineStart:off]) + 1}
}

// checkPositions asserts that every position in a parse result lies inside
// the input, agrees with refPos, and points at the byte its node starts with.
func checkPositions(t *testing.T, data []byte, root *Value, diags []Diagnostic, err error) {
	t.Helper()
	check := func(what string, p Pos) {
		t.Helper()
		if p.Offset < 0 || p.Offset > len(data) {
			t.Fatalf("%s: offset %d outside input of %d bytes", what, p.Offset, len(data))
		}
		if want := refPos(data, p.Offset); p != want {
			t.Fatalf("%s: position %+v, recomputed from its offset %+v", what, p, want)
		}
	}
	var se *SyntaxError
	if err != nil {
		if !errors.As(err, &se) {
			t.Fatalf("error %v is not a *SyntaxError", err)
		}
		check("syntax error "+se.Msg, se.Pos)
		if root != nil || diags != nil {
			t.Fatalf("error %v came with a tree or diagnostics", err)
		}
		return
	}
	for _, d := range diags {
		check("duplicate "+d.Key, d.Pos)
		check("first "+d.Key, d.FirstPos)
		if d.FirstPos.Offset >= d.Pos.Offset || data[d.Pos.Offset] != '"' || data[d.FirstPos.Offset] != '"' {
			t.Fatalf("diagnostic %+v does not point at two keys in order", d)
		}
	}
	var walk func(v *Value)
	walk = func(v *Value) {
		check("value", v.Pos)
		if v.Pos.Offset >= len(data) {
			t.Fatalf("value at end of input: %+v", v.Pos)
		}
		first := data[v.Pos.Offset]
		ok := false
		switch v.Kind {
		case KindNull:
			ok = first == 'n'
		case KindBool:
			ok = first == 't' || first == 'f'
		case KindNumber:
			ok = first == '-' || first >= '0' && first <= '9'
		case KindString:
			ok = first == '"'
		case KindArray:
			ok = first == '['
		case KindObject:
			ok = first == '{'
		}
		if !ok {
			t.Fatalf("%s at %v starts with %q", v.Kind, v.Pos, first)
		}
		for _, e := range v.Elems {
			walk(e)
		}
		for _, m := range v.Members {
			check("key "+m.Key, m.KeyPos)
			if data[m.KeyPos.Offset] != '"' || m.KeyPos.Offset >= m.Value.Pos.Offset {
				t.Fatalf("key %q at %v does not precede its value at %v", m.Key, m.KeyPos, m.Value.Pos)
			}
			walk(m.Value)
		}
	}
	walk(root)
}

func TestParseSyntaxErrors(t *testing.T) {
	deep := func(n int, open, close string) string {
		return strings.Repeat(open, n) + strings.Repeat(close, n)
	}
	cases := []struct {
		name      string
		in        string
		line, col int
		msg       string // the message must contain this
	}{
		{"empty", "", 1, 1, "file is empty"},
		{"whitespace only", " \n\t\r\n  ", 1, 1, "file is empty"},
		{"bom", "\xEF\xBB\xBF{}", 1, 1, "byte order mark (BOM): remove it"},
		{"bom only", "\xEF\xBB\xBF", 1, 1, "byte order mark (BOM)"},
		{"utf-16 bom", "\xFF\xFE{\x00}\x00", 1, 1, "UTF-16 byte order mark"},
		{"missing colon", `{"a" 1}`, 1, 6, `expected ':' after object key "a", got '1'`},
		{"missing comma between members", `{"a":1 "b":2}`, 1, 8, `expected ',' or '}' after object member (missing ','?), got '"'`},
		{"wrong closer for object", `{"a":1]`, 1, 7, `expected ',' or '}' after object member, got ']'`},
		{"missing comma between elements", `[1 2]`, 1, 4, `expected ',' or ']' after array element (missing ','?)`},
		{"wrong closer for array", `[1}`, 1, 3, `expected ',' or ']' after array element, got '}'`},
		{"trailing comma in array", `[1,]`, 1, 3, "trailing comma before ']'"},
		{"trailing comma in object", "{\"a\":1,\n}", 1, 7, "trailing comma before '}'"},
		{"comma first in object", `{,}`, 1, 2, "expected a string key or '}', got ','"},
		{"double comma in object", `{"a":1,,}`, 1, 8, "expected a string key after ',', got ','"},
		{"unquoted key", `{a:1}`, 1, 2, "got 'a' (keys must be in double quotes)"},
		{"single-quoted key", `{'a':1}`, 1, 2, "(JSON strings and keys take double quotes)"},
		{"number key", `{1:1}`, 1, 2, "expected a string key or '}', got '1'"},
		{"comma first in array", `[,1]`, 1, 2, "expected a value, got ','"},
		{"double comma in array", `[1,,2]`, 1, 4, "expected a value, got ','"},
		{"closer in value position", `{"a":}`, 1, 6, "expected a value, got '}'"},
		{"unterminated string", `"abc`, 1, 1, "unterminated string"},
		{"unterminated string in object", `{"a":"abc`, 1, 6, "unterminated string"},
		{"unterminated after escape", `"ab\`, 1, 1, "unterminated string"},
		{"unterminated after multibyte", `  "日本`, 1, 3, "unterminated string"},
		{"invalid escape", `"a\qb"`, 1, 3, `invalid escape \q`},
		{"windows path", `{"p":"C:\Users"}`, 1, 9, `invalid escape \U (valid escapes:`},
		{"escape of control char", "\"\\\n\"", 1, 2, `invalid escape: '\' followed by U+000A`},
		{"escape of non-ascii", `"\é"`, 1, 2, `invalid escape \é`},
		{"bad hex in unicode escape", `"a\u12G4"`, 1, 3, `invalid escape \u12G4: \u must be followed by four hex digits`},
		{"short unicode escape", `"\u12"`, 1, 2, `invalid escape \u12:`},
		{"unicode escape at end", `"\u`, 1, 2, `invalid escape \u:`},
		{"raw newline in string", "\"ab\ncd\"", 1, 4, "control character U+000A in string (a string cannot span lines"},
		{"raw tab in string", "\"a\tb\"", 1, 3, `control character U+0009 in string (write a tab as \t)`},
		{"raw nul in string", "\"a\x00b\"", 1, 3, `control character U+0000 in string (write it as \u0000)`},
		{"lone high surrogate", `"\ud800"`, 1, 2, `lone surrogate \ud800 in string: a high surrogate`},
		{"high surrogate then letter escape", `"\uD800\u0041"`, 1, 2, `lone surrogate \uD800`},
		{"high surrogate then text", `"\ud83dx"`, 1, 2, `lone surrogate \ud83d`},
		{"lone low surrogate", `"x\udc00"`, 1, 3, `lone surrogate \udc00 in string: a low surrogate`},
		{"high surrogate then bad escape", `"\ud800\uZZZZ"`, 1, 8, `invalid escape \uZZZZ`},
		{"leading zero", `01`, 1, 1, `invalid number "01"`},
		{"leading zero in array", `[1, 007]`, 1, 5, `invalid number "007"`},
		{"dot without digits", `[1.]`, 1, 2, `invalid number "1."`},
		{"lone minus", `-`, 1, 1, `invalid number "-"`},
		{"minus then letter", `-a`, 1, 1, `invalid number "-a"`},
		{"exponent without digits", `1e+`, 1, 1, `invalid number "1e+"`},
		{"leading dot", `.5`, 1, 1, `invalid number ".5"`},
		{"leading plus", `{"n": +1}`, 1, 7, `invalid number "+1"`},
		{"hex number", `0x1F`, 1, 1, `invalid number "0x1F"`},
		{"two dots", `[1.2.3]`, 1, 2, `invalid number "1.2.3"`},
		{"minus infinity", `-Infinity`, 1, 1, `invalid number "-Infinity"`},
		{"nan", `NaN`, 1, 1, `invalid value "NaN": strings must be in double quotes`},
		{"bare word", `{"a": hello}`, 1, 7, `invalid value "hello"`},
		{"capital true", `True`, 1, 1, `invalid literal "True": JSON literals are lower case, write true`},
		{"truncated true", `[tru`, 1, 2, `incomplete literal "tru": expected true`},
		{"truncated null", `nul`, 1, 1, `incomplete literal "nul": expected null`},
		{"null with suffix", `nulls`, 1, 1, `invalid value "nulls"`},
		{"trailing data", `{"a":1}x`, 1, 8, "trailing data after the JSON value"},
		{"two objects", "{}\n{}", 2, 1, "trailing data after the JSON value"},
		{"comma between roots", `{} , {}`, 1, 4, "trailing data after the JSON value"},
		{"eof in object", `{"a":1`, 1, 7, "unexpected end of input (the object opened at line 1, column 1 is not closed)"},
		{"eof after brace", "{\n", 2, 1, "unexpected end of input (the object opened at line 1, column 1 is not closed)"},
		{"eof after key", `{"a"`, 1, 5, "unexpected end of input"},
		{"eof after colon", `{"a":`, 1, 6, "unexpected end of input (the object opened"},
		{"eof in array", `[`, 1, 2, "unexpected end of input (the array opened at line 1, column 1 is not closed)"},
		{"eof in nested array", `[{"a":[1,`, 1, 10, "unexpected end of input (the array opened at line 1, column 7 is not closed)"},
		{"line comment", "// config\n{}", 1, 1, "comments are not allowed in JSON"},
		{"block comment", `{"a":1 /* x */}`, 1, 8, "comments are not allowed in JSON"},
		{"invalid utf-8 in string", "\"\xff\"", 1, 2, "invalid UTF-8 byte 0xFF"},
		{"invalid utf-8 after multibyte", `{"é":"` + "\xc3" + `"}`, 1, 7, "invalid UTF-8 byte 0xC3"},
		{"invalid utf-8 in key", "{\"k\xe9y\":1}", 1, 4, "invalid UTF-8 byte 0xE9"},
		{"invalid utf-8 value", "[\xff]", 1, 2, "invalid UTF-8 byte 0xFF"},
		{"invalid utf-8 at start", "\xc0\xaf", 1, 1, "invalid UTF-8 byte 0xC0"},
		{"invalid utf-8 after value", "{}\n\xff", 2, 1, "invalid UTF-8 byte 0xFF"},
		{"encoded surrogate", "\"\xed\xa0\x80\"", 1, 2, "invalid UTF-8 byte 0xED"},
		{"overlong encoding", "\"\xc0\x80\"", 1, 2, "invalid UTF-8 byte 0xC0"},
		{"truncated multibyte at end", "\"\xe6\x97", 1, 2, "invalid UTF-8 byte 0xE6"},
		{"non-ascii outside strings", `{"a": é}`, 1, 7, "expected a value, got 'é' (U+00E9)"},
		{"no-break space", "{\u00a0}", 1, 2, "got U+00A0"},
		{"control char outside strings", "[\x01]", 1, 2, "expected a value, got U+0001"},
		{"runes counted before error", `{"名前":"日本語" x}`, 1, 13, "expected ',' or '}' after object member, got 'x'"},
		{"emoji counts one", `["😀",?]`, 1, 6, "expected a value, got '?'"},
		{"multibyte on earlier line", "{\n  \"é\": \"ü\",\n  \"b\" 2\n}", 3, 7, `expected ':' after object key "b"`},
		{"escape error after multibyte", `"é\q"`, 1, 3, `invalid escape \q`},
		{"crlf line endings", "{\r\n  \"a\": 1\r\n  \"b\": 2\r\n}", 2, 9, "missing ',' at the end of this line: the next member starts at line 3, column 3"},
		{"missing comma at a line end in an array", "[\n  {\"a\": 1}\n  {\"b\": 2}\n]", 2, 11, "missing ',' at the end of this line: the next element starts at line 3, column 3"},
		{"missing comma after a multi-byte value", "{\n \"a\": \"é\"\n \"b\": 2}", 2, 10, "the next member starts at line 3, column 2"},
		{"tab counts one", "{\n\t\"a\" 1}", 2, 6, `expected ':' after object key "a"`},
		{"raw newline on line two", "{\n \"a\": \"x\ny\"}", 2, 9, "control character U+000A"},
		{"too deep arrays", deep(MaxDepth+1, "[", "]"), 1, MaxDepth + 1, "nesting too deep: more than 1000 levels"},
		{"too deep objects", deep(MaxDepth+1, `{"a":`, "}"), 1, 5*MaxDepth + 1, "nesting too deep"},
		{"far too deep", strings.Repeat("[", 1_000_000), 1, MaxDepth + 1, "nesting too deep"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := []byte(c.in)
			root, diags, err := Parse(data)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, %v, want a *SyntaxError", c.in, root, err)
			}
			if se.Pos.Line != c.line || se.Pos.Column != c.col {
				t.Errorf("error at %d:%d (%s), want %d:%d", se.Pos.Line, se.Pos.Column, se.Msg, c.line, c.col)
			}
			if !strings.Contains(se.Msg, c.msg) {
				t.Errorf("message %q, want it to contain %q", se.Msg, c.msg)
			}
			if se.Msg != strings.TrimSpace(se.Msg) || se.Msg[0] >= 'A' && se.Msg[0] <= 'Z' && !strings.HasPrefix(se.Msg, "JSON") {
				t.Errorf("message %q is not lowercase and trimmed", se.Msg)
			}
			if want := se.Pos.String() + ": " + se.Msg; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
			checkPositions(t, data, root, diags, err)
		})
	}
}

func TestParseDepthLimitAccepted(t *testing.T) {
	for _, c := range []struct{ name, open, close string }{
		{"arrays", "[", "]"},
		{"objects", `{"a":`, "}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := strings.Repeat(c.open, MaxDepth) + "1" + strings.Repeat(c.close, MaxDepth)
			root, _, err := Parse([]byte(in))
			if err != nil {
				t.Fatalf("%d levels: %v", MaxDepth, err)
			}
			depth := 0
			for v := root; v.Kind != KindNumber; depth++ {
				if v.Kind == KindArray {
					v = v.Elems[0]
				} else {
					v = v.Members[0].Value
				}
			}
			if depth != MaxDepth {
				t.Errorf("depth %d, want %d", depth, MaxDepth)
			}
		})
	}
}

const sampleEntity = "{\n" +
	"  \"identifier\": \"notification-microservice\",\n" +
	"  \"title\": \"Notification Service\",\n" +
	"  \"team\": [\"platform\", \"sre\"],\n" +
	"  \"properties\": {\n" +
	"    \"url\": \"https://www.github.com/user/notification\",\n" +
	"    \"replicas\": 3,\n" +
	"    \"ratio\": -0.25e+2,\n" +
	"    \"public\": false,\n" +
	"    \"owner\": null,\n" +
	"    \"tags\": [],\n" +
	"    \"meta\": {}\n" +
	"  }\n" +
	"}\n"

func TestParseTree(t *testing.T) {
	data := []byte(sampleEntity)
	root, diags, err := Parse(data)
	if err != nil || diags != nil {
		t.Fatalf("Parse = %v, %v", diags, err)
	}
	checkPositions(t, data, root, diags, err)
	if root.Kind != KindObject || root.Pos != (Pos{0, 1, 1}) {
		t.Fatalf("root %s at %+v", root.Kind, root.Pos)
	}
	var keys []string
	for _, m := range root.Members {
		keys = append(keys, m.Key)
	}
	if want := []string{"identifier", "title", "team", "properties"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %v, want %v in document order", keys, want)
	}
	id, ok := root.Member("identifier")
	if !ok || id.KeyPos != (Pos{4, 2, 3}) || id.Value.Str != "notification-microservice" || id.Value.Pos != (Pos{18, 2, 17}) {
		t.Errorf("identifier member %+v %+v", id, id.Value)
	}
	team := root.Get("team")
	if team.Kind != KindArray || len(team.Elems) != 2 || team.Elems[1].Str != "sre" || team.Elems[1].Pos.Line != 4 || team.Elems[1].Pos.Column != 24 {
		t.Errorf("team %+v", team)
	}
	props := root.Get("properties")
	cases := []struct {
		key       string
		kind      Kind
		line, col int
		check     func(v *Value) bool
	}{
		{"replicas", KindNumber, 7, 17, func(v *Value) bool { return v.Num == "3" }},
		{"ratio", KindNumber, 8, 14, func(v *Value) bool { return v.Num == "-0.25e+2" }},
		{"public", KindBool, 9, 15, func(v *Value) bool { return !v.Bool }},
		{"owner", KindNull, 10, 14, func(v *Value) bool { return true }},
		{"tags", KindArray, 11, 13, func(v *Value) bool { return v.Elems == nil }},
		{"meta", KindObject, 12, 13, func(v *Value) bool { return v.Members == nil }},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			v := props.Get(c.key)
			if v == nil || v.Kind != c.kind || v.Pos.Line != c.line || v.Pos.Column != c.col || !c.check(v) {
				t.Errorf("got %+v, want %s at %d:%d", v, c.kind, c.line, c.col)
			}
		})
	}
	if root.Get("nope") != nil || team.Get("x") != nil || (*Value)(nil).Get("x") != nil {
		t.Error("Get of a missing key, on an array or on nil must be nil")
	}
	if _, ok := team.Member("x"); ok {
		t.Error("Member on an array must report false")
	}
}

func TestParseCRLFPositions(t *testing.T) {
	data := []byte("{\r\n  \"a\": 1,\r\n\t\"b\": [true,\r\n  \"é\", \"x\"]\r\n}\r\n")
	root, _, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	checkPositions(t, data, root, nil, nil)
	b, _ := root.Member("b")
	x := b.Value.Elems[2]
	if b.KeyPos.Line != 3 || b.KeyPos.Column != 2 || x.Pos.Line != 4 || x.Pos.Column != 8 {
		t.Errorf("b at %v, x at %v; want 3:2 and 4:8", b.KeyPos, x.Pos)
	}
}

func TestParseStrings(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", `"abc"`, "abc"},
		{"empty", `""`, ""},
		{"short escapes", `"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t"},
		{"unicode escape", `"caf\u00e9"`, "café"},
		{"upper hex", `"\u00E9\u00c9"`, "éÉ"},
		{"surrogate pair", `"\ud83d\ude00!"`, "😀!"},
		{"escaped nul", `"a\u0000b"`, "a\x00b"},
		{"raw multibyte", `"日本語 😀"`, "日本語 😀"},
		{"multibyte then escape", `"é\n"`, "é\n"},
		{"escape then multibyte", `"\tü"`, "\tü"},
		{"del is allowed", "\"\x7f\"", "\x7f"},
		{"line separator", "\"\u2028\"", "\u2028"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, _, err := Parse([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if v.Kind != KindString || v.Str != c.want {
				t.Errorf("got %s %q, want %q", v.Kind, v.Str, c.want)
			}
		})
	}
}

func TestParseDuplicateKeys(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		diags []Diagnostic
		want  string // the tree, marshalled
	}{
		{
			name:  "top level",
			in:    "{\n \"a\": 1,\n \"b\": 2,\n \"a\": 3\n}",
			diags: []Diagnostic{{Pos: Pos{21, 4, 2}, FirstPos: Pos{3, 2, 2}, Key: "a", Pointer: "/a"}},
			want:  `{"a":3,"b":2}`,
		},
		{
			name: "three times",
			in:   `{"k":1,"k":2,"k":3}`,
			diags: []Diagnostic{
				{Pos: Pos{7, 1, 8}, FirstPos: Pos{1, 1, 2}, Key: "k", Pointer: "/k"},
				{Pos: Pos{13, 1, 14}, FirstPos: Pos{1, 1, 2}, Key: "k", Pointer: "/k"},
			},
			want: `{"k":3}`,
		},
		{
			name:  "nested",
			in:    `{"properties":{"url":"a","url":"b"}}`,
			diags: []Diagnostic{{Pos: Pos{25, 1, 26}, FirstPos: Pos{15, 1, 16}, Key: "url", Pointer: "/properties/url"}},
			want:  `{"properties":{"url":"b"}}`,
		},
		{
			name:  "in an array",
			in:    `[{"a":1},{"b":1,"b":{"c":1}}]`,
			diags: []Diagnostic{{Pos: Pos{16, 1, 17}, FirstPos: Pos{10, 1, 11}, Key: "b", Pointer: "/1/b"}},
			want:  `[{"a":1},{"b":{"c":1}}]`,
		},
		{
			name:  "inside a replaced value",
			in:    `{"x":{"y":1,"y":2},"x":0}`,
			diags: []Diagnostic{{Pos: Pos{12, 1, 13}, FirstPos: Pos{6, 1, 7}, Key: "y", Pointer: "/x/y"}, {Pos: Pos{19, 1, 20}, FirstPos: Pos{1, 1, 2}, Key: "x", Pointer: "/x"}},
			want:  `{"x":0}`,
		},
		{
			name:  "keys needing pointer escapes",
			in:    `{"a/b":{"t~":1,"t~":2}}`,
			diags: []Diagnostic{{Pos: Pos{15, 1, 16}, FirstPos: Pos{8, 1, 9}, Key: "t~", Pointer: "/a~1b/t~0"}},
			want:  `{"a/b":{"t~":2}}`,
		},
		{
			name:  "same key decoded from an escape",
			in:    `{"é":1,"\u00e9":2}`,
			diags: []Diagnostic{{Pos: Pos{8, 1, 8}, FirstPos: Pos{1, 1, 2}, Key: "é", Pointer: "/é"}},
			want:  `{"é":2}`,
		},
		{
			name: "same key in sibling objects is fine",
			in:   `[{"a":1},{"a":2}]`,
			want: `[{"a":1},{"a":2}]`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := []byte(c.in)
			root, diags, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			checkPositions(t, data, root, diags, err)
			if !reflect.DeepEqual(diags, c.diags) {
				t.Errorf("diagnostics\n got %+v\nwant %+v", diags, c.diags)
			}
			got, _ := json.Marshal(root.Interface())
			if string(got) != c.want {
				t.Errorf("tree %s, want %s", got, c.want)
			}
		})
	}
}

func TestParseDuplicateKeyKeepsPlaceAndLastValue(t *testing.T) {
	data := []byte(`{"a":1,"b":2,"a":3}`)
	root, diags, err := Parse(data)
	if err != nil || len(diags) != 1 {
		t.Fatalf("Parse = %v, %v", diags, err)
	}
	if len(root.Members) != 2 || root.Members[0].Key != "a" || root.Members[1].Key != "b" {
		t.Fatalf("members %+v: want a (in its first place) then b", root.Members)
	}
	a := root.Members[0]
	if a.Value.Num != "3" || a.KeyPos.Offset != 13 || a.Value.Pos.Offset != 17 {
		t.Errorf("member a = %+v, value %+v: want the last key position and value", a, a.Value)
	}
	if got := diags[0].Message(); got != `duplicate key "a" (first defined at line 1); Port would keep only the last` {
		t.Errorf("Message() = %q", got)
	}
	if p := diags[0].Problem(); p.Rule != "duplicate-key" || p.Pointer != "/a" || p.Pos != diags[0].Pos {
		t.Errorf("Problem() = %+v", p)
	}
}

func TestParseDuplicateKeysLargeObject(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 40; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `"k%02d": %d`, i, i)
	}
	b.WriteString(",\n\"k02\": \"last\", \"k39\": true\n}")
	data := []byte(b.String())
	root, diags, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	checkPositions(t, data, root, diags, err)
	if len(diags) != 2 || diags[0].Key != "k02" || diags[0].FirstPos.Line != 3 || diags[1].Key != "k39" || diags[1].FirstPos.Line != 40 {
		t.Fatalf("diagnostics %+v", diags)
	}
	if len(root.Members) != 40 || root.Members[2].Value.Str != "last" || root.Get("k39").Kind != KindBool {
		t.Errorf("tree did not keep the last values in place: %d members, k02=%+v", len(root.Members), root.Members[2].Value)
	}
}

func TestInterfaceNumbersExact(t *testing.T) {
	data := []byte(`{"big":12345678901234567890,"neg":-0,"frac":1.10,"exp":6.02E+23,"small":1e-400,"list":[0,-1.5e3]}`)
	root, _, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	got := root.Interface()
	want := map[string]any{
		"big": json.Number("12345678901234567890"), "neg": json.Number("-0"), "frac": json.Number("1.10"),
		"exp": json.Number("6.02E+23"), "small": json.Number("1e-400"),
		"list": []any{json.Number("0"), json.Number("-1.5e3")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Interface() = %#v\nwant %#v", got, want)
	}
	if (*Value)(nil).Interface() != nil {
		t.Error("nil.Interface() must be nil")
	}
}

func TestLookup(t *testing.T) {
	root, _, err := Parse([]byte(`{"a":[{"b/c":1},{"~":[true]}],"":"empty key"}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		ptr  string
		want string // marshalled, "" for nil
	}{
		{"", `{"":"empty key","a":[{"b/c":1},{"~":[true]}]}`},
		{"/a/0/b~1c", "1"},
		{"/a/1/~0/0", "true"},
		{"/", `"empty key"`},
		{"/a/2", ""},
		{"/a/01", ""},
		{"/a/-", ""},
		{"/a/-1", ""},
		{"/a/99999999999999999999", ""},
		{"/a/0/b~1c/x", ""},
		{"/missing", ""},
	}
	for _, c := range cases {
		t.Run(c.ptr, func(t *testing.T) {
			toks, err := ParsePointer(c.ptr)
			if err != nil {
				t.Fatal(err)
			}
			v := root.Lookup(toks)
			got := ""
			if v != nil {
				b, _ := json.Marshal(v.Interface())
				got = string(b)
			}
			if got != c.want {
				t.Errorf("Lookup(%q) = %s, want %s", c.ptr, got, c.want)
			}
		})
	}
}

func TestPointer(t *testing.T) {
	cases := []struct {
		tokens []string
		ptr    string
	}{
		{nil, ""},
		{[]string{""}, "/"},
		{[]string{"properties", "url"}, "/properties/url"},
		{[]string{"a/b", "m~n", "~/~1"}, "/a~1b/m~0n/~0~1~01"},
		{[]string{"3", "", "é"}, "/3//é"},
	}
	for _, c := range cases {
		t.Run(c.ptr, func(t *testing.T) {
			if got := Pointer(c.tokens...); got != c.ptr {
				t.Errorf("Pointer(%q) = %q, want %q", c.tokens, got, c.ptr)
			}
			toks, err := ParsePointer(c.ptr)
			if err != nil {
				t.Fatal(err)
			}
			if len(toks) != len(c.tokens) || (len(toks) > 0 && !reflect.DeepEqual(toks, c.tokens)) {
				t.Errorf("ParsePointer(%q) = %q, want %q", c.ptr, toks, c.tokens)
			}
		})
	}
	for _, bad := range []string{"a", "a/b", "/~", "/~2", "/a~"} {
		t.Run("invalid "+bad, func(t *testing.T) {
			if _, err := ParsePointer(bad); err == nil {
				t.Errorf("ParsePointer(%q) accepted", bad)
			}
		})
	}
}

// TestParseResultsIndependent checks that a tree shares nothing with later
// parses (the parser reuses its scratch memory) or with the input slice.
func TestParseResultsIndependent(t *testing.T) {
	inputs := []string{sampleEntity, benchEntity, `[{"k":1,"k":2},"x",[true,null]]`, `{"a":"\u00e9\n"}`}
	want := make([]string, len(inputs))
	for i, in := range inputs {
		root, _, err := Parse([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(root.Interface())
		want[i] = string(b)
	}

	data := []byte(inputs[0])
	first, _, _ := Parse(data)
	for i := range data {
		data[i] = ' '
	}
	for _, in := range inputs[1:] {
		if _, _, err := Parse([]byte(in)); err != nil {
			t.Fatal(err)
		}
		Parse([]byte(`{"bad"`))
	}
	if b, _ := json.Marshal(first.Interface()); string(b) != want[0] {
		t.Fatalf("tree changed after later parses or after its input was overwritten:\n%s", b)
	}

	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func() {
			for n := 0; n < 200; n++ {
				i := (g + n) % len(inputs)
				root, _, err := Parse([]byte(inputs[i]))
				if err != nil {
					done <- err
					return
				}
				if b, _ := json.Marshal(root.Interface()); string(b) != want[i] {
					done <- fmt.Errorf("concurrent parse of input %d gave %s", i, b)
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// A tree parsed in an Arena is the tree Parse gives, whatever the Arena
// held before; a second ParseIn before Reset leaves the first tree alone.
func TestParseInArena(t *testing.T) {
	inputs := []string{benchEntity, `{}`, sampleEntity, `[{"k":1,"k":2},"x",[true,null]]`, `{"a":"\u00e9\n","b":[[],{}]}`, `"s"`, benchEntity}
	var a Arena
	for round := range 3 {
		for i, in := range inputs {
			want, wantDiags, err := Parse([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			got, gotDiags, err := ParseIn(&a, []byte(in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotDiags, wantDiags) {
				t.Fatalf("round %d, input %d: the arena's tree differs from Parse's", round, i)
			}
			// Not reset: this one must not take the first tree's memory.
			other, _, err := ParseIn(&a, []byte(`{"z":[1,2,3],"y":{"x":null}}`))
			if err != nil || other.Get("z") == nil {
				t.Fatalf("second parse in the arena: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, input %d: a second ParseIn before Reset changed the first tree", round, i)
			}
			a.Reset()
		}
	}
	// A syntax error leaves the arena usable.
	if _, _, err := ParseIn(&a, []byte(`{"bad"`)); err == nil {
		t.Fatal("no error for a broken document")
	}
	a.Reset()
	got, _, err := ParseIn(&a, []byte(sampleEntity))
	want, _, _ := Parse([]byte(sampleEntity))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after a syntax error: %v", err)
	}
}
