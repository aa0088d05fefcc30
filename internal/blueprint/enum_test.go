package blueprint

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// enumBlueprint has a property and an array property whose enums hold n
// strings "v0".."v{n-1}", and a nested object whose enum the schema keeps.
func enumBlueprint(t *testing.T, n int) *Blueprint {
	t.Helper()
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprintf("%q", fmt.Sprintf("v%d", i))
	}
	enum := "[" + strings.Join(vals, ",") + "]"
	src := fmt.Sprintf(`{"identifier": "e", "schema": {"properties": {
  "one": {"type": "string", "enum": %s},
  "many": {"type": "array", "items": {"type": "string", "enum": %s}},
  "deep": {"type": "object", "properties": {"x": {"enum": %s}}}
}}}`, enum, enum, enum)
	c, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bp, err := c.Parse("e", "e.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return bp
}

// messages validates src against bp and returns "pointer: message" for every
// issue, in order.
func messages(t *testing.T, bp *Blueprint, src string) []string {
	t.Helper()
	root, _, err := entity.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ents, _ := entity.Extract(root)
	var out []string
	for _, is := range bp.Validate(&ents[0]) {
		out = append(out, is.Rule+" "+is.Pointer+" @"+fmt.Sprint(is.Node.Pos.Column)+": "+is.Message)
	}
	return out
}

// An enum message names five allowed values and says how many more, for a
// small enum (the schema library's finding), a large one (port-gitops's
// own set) and one nested inside an object (the library again).
func TestEnumMessageNamesAFew(t *testing.T) {
	for _, n := range []int{3, 6, 20, bigEnum, 200000} {
		bp := enumBlueprint(t, n)
		more := ""
		if n > 5 {
			more = fmt.Sprintf(" and %s more", printer.Sprintf("%d", n-5)) // the library's grouping
		}
		first := `"v0", "v1", "v2", "v3", "v4"`
		if n == 3 {
			first = `"v0", "v1", "v2"`
		}
		if n == 200000 && more != " and 199,995 more" {
			t.Fatalf("count written as %q", more)
		}
		src := `{"identifier": "x", "properties": {"one": "nope", "many": ["v1", 7, "bad"], "deep": {"x": "no"}}}`
		got := messages(t, bp, src)
		want := []string{
			`enum /properties/one @43: one: "nope" is not one of ` + first + more,
			`type /properties/many/1 @66: many[1]: must be string, got number`,
			`enum /properties/many/2 @69: many[2]: "bad" is not one of ` + first + more,
			`enum /properties/deep/x @91: deep.x: "no" is not one of ` + first + more,
		}
		if !sameSet(got, want) {
			t.Errorf("enum of %d:\n got %q\nwant %q", n, got, want)
		}
		if ok := messages(t, bp, fmt.Sprintf(`{"identifier": "x", "properties": {"one": "v%d", "many": ["v0", "v%d"], "deep": {"x": "v2"}}}`, n-1, n-1)); len(ok) != 0 {
			t.Errorf("enum of %d: members rejected: %q", n, ok)
		}
	}
}

// A large enum that holds anything but strings stays with the schema: 1
// and 1.0 are equal there, and must stay so.
func TestBigEnumOfNumbersStaysWithTheSchema(t *testing.T) {
	vals := make([]string, bigEnum+1)
	for i := range vals {
		vals[i] = fmt.Sprint(i)
	}
	vals[0] = `"zero"`
	c, _ := OpenCache(t.TempDir())
	bp, err := c.Parse("n", "n.json", []byte(`{"identifier": "n", "schema": {"properties": {"k": {"enum": [`+strings.Join(vals, ",")+`]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(bp.enums) != 0 {
		t.Fatal("a mixed enum was taken out of the schema")
	}
	if got := messages(t, bp, `{"identifier": "x", "properties": {"k": 3.0}}`); len(got) != 0 {
		t.Errorf("3.0 in an enum holding 3: %q", got)
	}
	if got := messages(t, bp, `{"identifier": "x", "properties": {"k": "3"}}`); len(got) != 1 || !strings.Contains(got[0], `"3" is not one of "zero", 1, 2, 3, 4 and 60 more`) {
		t.Errorf(`"3": %q`, got)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
		if seen[s] < 0 {
			return false
		}
	}
	return true
}

// A large enum in a schema with no type: a number is not in it, as the
// schema library would say.
func TestBigEnumWithoutType(t *testing.T) {
	vals := make([]string, bigEnum)
	for i := range vals {
		vals[i] = fmt.Sprintf(`"v%d"`, i)
	}
	c, _ := OpenCache(t.TempDir())
	bp, err := c.Parse("u", "u.json", []byte(`{"identifier": "u", "schema": {"properties": {"k": {"enum": [`+strings.Join(vals, ",")+`]}}}}`))
	if err != nil || len(bp.enums) != 1 {
		t.Fatalf("%v, %d enums taken", err, len(bp.enums))
	}
	got := messages(t, bp, `{"identifier": "x", "properties": {"k": 7}}`)
	want := `enum /properties/k @41: k: 7 is not one of "v0", "v1", "v2", "v3", "v4" and 59 more`
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestGroupDigitsAsThePrinter(t *testing.T) {
	for _, n := range []int{0, 5, 99, 999, 1000, 9999, 12345, 100000, 999999, 1000000, 1234567, 987654321012} {
		if got, want := groupDigits(strconv.Itoa(n)), printer.Sprintf("%d", n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
