package entitydiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/port-gitops/port-gitops/internal/entity"
)

var bodyCases = []string{
	`{"identifier": "a", "blueprint": "svc", "title": "A", "properties": {"z": 1, "a": [1, 2.50, -3e10, true, null], "m": {"y": "x", "b": {}}}, "relations": {"r": ["b", "a"]}}`,
	`{"identifier": "é\u2028\u2029\"\\\b\f\n\r\t\u0001\u001f</>&", "updatedAt": "x", "createdBy": "y", "team": []}`,
	`{"identifier": "a", "properties": {"ключ": "значение", "emoji": "😀", "": "empty key"}}`,
	`{"b": 1, "B": 2, "a": 3, "_": 4, "Ä": 5}`,
	`{}`,
}

// Body writes the same bytes as encoding/json over decoded maps.
func TestBodyFromValueMatchesEncodingJSON(t *testing.T) {
	for _, src := range bodyCases {
		checkBody(t, []byte(src))
	}
	// Invalid UTF-8 inside a YAML string reaches the writer as is.
	checkValue(t, &entity.Value{Kind: entity.KindObject, Members: []entity.Member{{Key: "k\xff", Value: &entity.Value{Kind: entity.KindString, Str: "a\xffb\xc3"}}}})
}

func checkBody(t *testing.T, src []byte) {
	t.Helper()
	root, _, err := entity.Parse(src)
	if err != nil {
		return
	}
	checkValue(t, root)
}

func checkValue(t *testing.T, root *entity.Value) {
	t.Helper()
	want, werr := bodyViaMaps(root)
	got, gerr := Body(root)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("errors differ: via maps %v, Body %v", werr, gerr)
	}
	if !bytes.Equal(want, got) {
		t.Fatalf("bodies differ:\nencoding/json: %s\ndirect:        %s", want, got)
	}
}

func FuzzBodyFromValue(f *testing.F) {
	for _, c := range bodyCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkBody(t, src)
		if root, _, err := entity.ParseYAML(src); err == nil {
			checkValue(t, root)
		}
	})
}

func BenchmarkBody(b *testing.B) {
	root, _, err := entity.Parse([]byte(bodyCases[0]))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := bodyViaMaps(root); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Body(root); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestValidNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "12", "-12.5", "1e10", "1E+3", "2.5e-7", "0.0"} {
		if !validNumber(s) {
			t.Errorf("%q is a number", s)
		}
	}
	for _, s := range []string{"", "-", "01", "1.", ".5", "1e", "1e+", "+1", "0x1F", "1_000", "true", "[1]", "1 ", "NaN"} {
		if validNumber(s) {
			t.Errorf("%q is not a number", s)
		}
	}
}

// bodyViaMaps is what Body replaced, kept as its oracle: the entity decoded
// into maps, "blueprint" and the server fields deleted, encoding/json.
func bodyViaMaps(n *entity.Value) (json.RawMessage, error) {
	obj, ok := n.Interface().(map[string]any)
	if !ok {
		return nil, fmt.Errorf("entity is not an object")
	}
	delete(obj, "blueprint")
	for k := range obj {
		if entity.IsServerField(k) {
			delete(obj, k)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return nil, err
	}
	return json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n")), nil
}
