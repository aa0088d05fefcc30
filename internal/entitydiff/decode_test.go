package entitydiff

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// decodeStd is Decode through encoding/json alone, as it was before the
// entity parser's fast path.
func decodeStd(raw []byte, out any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(out)
}

var decodeSeeds = []string{
	`{"identifier":"a","title":"A","properties":{"n":1.50,"e":-0,"big":12345678901234567890,"f":1e-7}}`,
	`{"a":1,"a":2}`,
	`{"s":"\u00e9\ud83d\ude00\n\t\"\\\/","t":true,"f":false,"z":null,"arr":[1,[2,[]],{}]}`,
	`{"a":1} trailing`,
	`{"a":1}{"b":2}`,
	`  {"a" : [ 1 , 2 ] }  `,
	`{"bad":"\ud800"}`,
	"{\"raw\":\"\xff\"}",
	`[1,2]`,
	`null`,
	`"x"`,
	`{"n":01}`,
	`{"n":1.}`,
	`{"n":-}`,
	`{`,
	``,
	`{"relations":{"r":["x","y"]},"team":"t"}`,
}

// TestDecodeMatchesEncodingJSON: what Decode gives, and whether it fails,
// is what encoding/json with UseNumber gives, for objects into an empty
// map (the fast path) and into a map that already holds keys (merged, as
// encoding/json does).
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, in := range decodeSeeds {
		checkDecode(t, []byte(in))
		var got, want map[string]any
		got, want = map[string]any{"kept": "x"}, map[string]any{"kept": "x"}
		errGot, errWant := Decode([]byte(in), &got), decodeStd([]byte(in), &want)
		if (errGot == nil) != (errWant == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("Decode(%q) into a full map = %v, %v; encoding/json: %v, %v", in, got, errGot, want, errWant)
		}
	}
}

func checkDecode(t *testing.T, in []byte) {
	t.Helper()
	var got, want map[string]any
	errGot, errWant := Decode(in, &got), decodeStd(in, &want)
	if (errGot == nil) != (errWant == nil) || !reflect.DeepEqual(got, want) {
		t.Errorf("Decode(%q) = %#v, %v; encoding/json: %#v, %v", in, got, errGot, want, errWant)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkDecode(t, in) })
}

// BenchmarkDecode is one entity body of a sync plan, decoded.
//
//	go test ./internal/entitydiff -run '^$' -bench BenchmarkDecode -benchmem
func BenchmarkDecode(b *testing.B) {
	raw := []byte(`{"identifier":"svc-03-0042","properties":{"owner":"team-03","tier":"gold","url":"https://svc-03-0042.example.com"},"relations":{},"title":"Service 3 42"}`)
	b.Run("entity-parser", func(b *testing.B) {
		for b.Loop() {
			var m map[string]any
			if err := Decode(raw, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			var m map[string]any
			if err := decodeStd(raw, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
