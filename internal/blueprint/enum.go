package blueprint

import (
	"strconv"
	"strings"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// bigEnum is the size from which a property's enum of strings is checked by
// port-gitops with a set instead of by the JSON Schema library, which
// compares a value with every allowed one in turn: an enum of 500,000
// values and 200 entities is 10⁸ comparisons there, 200 look-ups here.
const bigEnum = 64

// listed is how many allowed values an enum message names.
const listed = 5

// enumSet is a property's enum of strings, taken out of its schema.
type enumSet struct {
	values map[string]struct{}
	first  []string // the first values, in the blueprint's order, for messages
	n      int
	// types is the "type" of the schema that held the enum (nil if none):
	// a value of another type gets the type finding alone, as from the
	// schema library.
	types any
	// items: the enum is the property's items.enum, checked on each element
	// of an array value; otherwise it is checked on the value itself.
	items bool
}

// takeBigEnum removes a large enum of strings from a property's schema (its
// own enum, or that of its items when it is an array property) and returns
// it as a set; nil when there is none. Smaller enums, enums holding
// anything but strings and enums deeper inside stay with the schema.
func takeBigEnum(def map[string]any) *enumSet {
	if s := enumOf(def); s != nil {
		delete(def, "enum")
		return s
	}
	if def["type"] != "array" {
		return nil
	}
	items, ok := def["items"].(map[string]any)
	if !ok {
		return nil
	}
	if s := enumOf(items); s != nil {
		delete(items, "enum")
		s.items = true
		return s
	}
	return nil
}

func enumOf(schema map[string]any) *enumSet {
	vals, ok := schema["enum"].([]any)
	if !ok || len(vals) < bigEnum {
		return nil
	}
	s := &enumSet{values: make(map[string]struct{}, len(vals)), n: len(vals), types: schema["type"]}
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			return nil
		}
		s.values[str] = struct{}{}
	}
	for _, v := range vals[:listed] {
		s.first = append(s.first, jsonText(v))
	}
	return s
}

// check returns an enum issue for v (the value of property key) or for each
// element of it not in the set.
func (s *enumSet) check(key string, v *entity.Value) []Issue {
	ptr := entity.Pointer("properties", key)
	if !s.items {
		if s.has(v) {
			return nil
		}
		return []Issue{issue(v, ptr, "enum", "%s: %s is not one of %s", key, valueText(v), s.list())}
	}
	if v.Kind != entity.KindArray {
		return nil // the schema's type says what is wrong
	}
	var out []Issue
	for i, el := range v.Elems {
		if s.has(el) {
			continue
		}
		idx := strconv.Itoa(i)
		out = append(out, issue(el, ptr+"/"+idx, "enum", "%s: %s is not one of %s",
			displayPath([]string{key, idx}), valueText(el), s.list()))
	}
	return out
}

// has reports whether v is allowed as far as the enum is concerned: it is in
// the set, or it is of a type the schema rejects anyway.
func (s *enumSet) has(v *entity.Value) bool {
	if v.Kind != entity.KindString {
		return !typeAllows(s.types, v)
	}
	_, ok := s.values[v.Str]
	return ok || !typeAllows(s.types, v)
}

// typeAllows reports whether v satisfies a JSON Schema "type" (a name or an
// array of names; nil allows everything).
func typeAllows(types any, v *entity.Value) bool {
	switch t := types.(type) {
	case nil:
		return true
	case string:
		return typeIs(t, v)
	case []any:
		for _, name := range t {
			if n, ok := name.(string); ok && typeIs(n, v) {
				return true
			}
		}
		return false
	}
	return true // a malformed type: the schema compiler rejects it
}

func typeIs(name string, v *entity.Value) bool {
	switch name {
	case "string":
		return v.Kind == entity.KindString
	case "number":
		return v.Kind == entity.KindNumber
	case "integer":
		if v.Kind != entity.KindNumber {
			return false
		}
		d, ok := parseDecimal(v.Num)
		return ok && d.isInt()
	case "boolean":
		return v.Kind == entity.KindBool
	case "null":
		return v.Kind == entity.KindNull
	case "array":
		return v.Kind == entity.KindArray
	case "object":
		return v.Kind == entity.KindObject
	}
	return false
}

func (s *enumSet) list() string {
	return listSome(s.first, s.n)
}

// listSome writes the first of n values, comma-separated, and how many more
// there are: `"a", "b", "c", "d", "e" and 499,995 more`.
func listSome(first []string, n int) string {
	out := strings.Join(first, ", ")
	if more := n - len(first); more > 0 {
		out += " and " + groupDigits(strconv.Itoa(more)) + " more"
	}
	return out
}

// groupDigits writes a whole number's digits in groups of three:
// 499995 → 499,995.
func groupDigits(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head > 0 {
		b.WriteString(digits[:head])
	}
	for i := head; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// valueText shows a parsed value in a message as jsonText shows a decoded
// one: a string quoted, a number as written, an object or array by its
// type.
func valueText(v *entity.Value) string {
	switch v.Kind {
	case entity.KindString:
		return strconv.Quote(v.Str)
	case entity.KindNumber:
		return v.Num
	case entity.KindBool:
		return strconv.FormatBool(v.Bool)
	case entity.KindNull:
		return "null"
	case entity.KindArray:
		return "an array"
	}
	return "an object"
}
