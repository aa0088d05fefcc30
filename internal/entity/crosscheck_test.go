package entity

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// corpus is a mix of valid and invalid documents, checked against
// encoding/json by TestCrossCheck and used as the fuzzer's seeds.
var corpus = []string{
	// valid
	`{}`, `[]`, `0`, `-0`, `1`, `-1.5e-10`, `1E+2`, `0.0`, `123456789012345678901234567890`,
	`true`, `false`, `null`, `""`, `"x"`, ` {"a" : [ 1 , 2 ] } `, "\t\r\n[\n]\n",
	`{"a":{"b":{"c":[[],[{}],{"d":null}]}}}`, `[1,"two",true,null,{"five":5.0}]`,
	`"\u0000\u001f\u007f\u2028\ud834\udd1e"`, `"\/\\\"\b\f\n\r\t"`, `{"":""}`, `{"a":1,"a":2}`,
	`{"a":{"x":1},"a":{"y":2}}`, `[{"k":1,"k":[1],"k":{}}]`, `"日本語"`, `{"é":"ü","\u00e9":"x"}`,
	`[-0.0e-0, 0e0, 1e400, -1e-400]`, `{"x":[0]}`, sampleEntity, benchEntity,
	// invalid for both
	``, ` `, `{`, `}`, `[`, `]`, `{"a"}`, `{"a":}`, `{"a" 1}`, `{"a":1,}`, `[1,]`, `[,]`, `{,}`,
	`01`, `-`, `1.`, `.1`, `+1`, `1e`, `1e+`, `0x10`, `NaN`, `Infinity`, `True`, `nul`, `tru`, `falsey`,
	`"abc`, `"\q"`, `"\u12"`, `"\u12G4"`, "\"a\nb\"", "\"\x01\"", `{a:1}`, `{'a':1}`, `['a']`,
	`{} {}`, `[] x`, `1 2`, `// c`, `/* c */ {}`, `{"a":1}/`, "\xEF\xBB\xBF{}", "\xEF\xBB\xBF",
	"\xFE\xFF\x00{", `[1 2]`, `{"a":1 "b":2}`, `[}`, `{]`, `[[[[`, `{"a":{"b":{"c":`,
	// valid for encoding/json, rejected here on purpose
	`"\ud800"`, `"\udc00"`, `"\ud800\u0041"`, `{"\udfff":1}`, "\"\xff\"", "[\"\xc0\xaf\"]",
	"\"\xed\xa0\x80\"", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
}

// documentedExtra reports whether a parse error is one of the cases where
// Parse is deliberately stricter than encoding/json, and the input really
// has what the error says.
func documentedExtra(data []byte, err error) bool {
	var se *SyntaxError
	if !errors.As(err, &se) {
		return false
	}
	switch {
	case strings.HasPrefix(se.Msg, "invalid UTF-8 byte "):
		return !utf8.Valid(data)
	case strings.HasPrefix(se.Msg, "lone surrogate "):
		lower := bytes.ToLower(data)
		for _, esc := range []string{`\ud8`, `\ud9`, `\uda`, `\udb`, `\udc`, `\udd`, `\ude`, `\udf`} {
			if bytes.Contains(lower, []byte(esc)) {
				return true
			}
		}
		return false
	case strings.HasPrefix(se.Msg, "nesting too deep"):
		return bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) > MaxDepth
	}
	return false
}

// unmarshal decodes data as encoding/json would, numbers as json.Number.
func unmarshal(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// crossCheck compares Parse with encoding/json on one input.
func crossCheck(t *testing.T, data []byte) {
	t.Helper()
	root, diags, err := Parse(data)
	checkPositions(t, data, root, diags, err)
	valid := json.Valid(data)
	switch {
	case err == nil && !valid:
		t.Fatalf("Parse accepted %q, which encoding/json rejects", data)
	case err != nil && valid && !documentedExtra(data, err):
		t.Fatalf("Parse rejected %q, which encoding/json accepts: %v", data, err)
	case err != nil:
		return
	}
	want, uerr := unmarshal(data)
	if uerr != nil {
		t.Fatalf("encoding/json: %v", uerr)
	}
	if got := root.Interface(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Interface() of %q\n got %#v\nwant %#v", data, got, want)
	}
}

func TestCrossCheck(t *testing.T) {
	for _, in := range corpus {
		name := in
		if len(name) > 30 {
			name = name[:30]
		}
		t.Run(name, func(t *testing.T) { crossCheck(t, []byte(in)) })
	}
}

// FuzzParse checks that Parse never panics, that every position it reports
// lies inside the input and agrees with its offset, and that it agrees with
// encoding/json on validity and content, except for its documented extras.
func FuzzParse(f *testing.F) {
	for _, in := range corpus {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		crossCheck(t, data)
		root, _, err := Parse(data)
		if err == nil {
			Extract(root) // must not panic either
		}
	})
}
