// Package entity parses port-gitops entity files: JSON bytes in, a tree of
// values that remember where they start (offset, line, column), duplicate-key
// diagnostics, positioned syntax errors, and the entities a file holds.
//
// It is pure: bytes in, values and positions out. It does no I/O, never
// prints, reads no configuration and keeps nothing between calls but
// reusable scratch memory, so every command and worker can share it. Checking
// entities against blueprints is not its job; it only says what the file
// says and where.
package entity

import (
	"encoding/json"
	"fmt"
)

// Kind is the JSON type of a Value.
type Kind uint8

// The kinds of JSON value. The zero Kind is KindNull.
const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
)

// String returns the JSON name of the kind: null, boolean, number, string,
// array or object.
func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindBool:
		return "boolean"
	case KindNumber:
		return "number"
	case KindString:
		return "string"
	case KindArray:
		return "array"
	case KindObject:
		return "object"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Pos is a position in a file. Offset is the byte offset from the start;
// Line and Column are 1-based. Column counts characters (runes), not bytes,
// and a tab counts as one. Only '\n' ends a line, so CRLF files number lines
// as editors do and a '\r' before the '\n' never shifts a column that matters.
type Pos struct {
	Offset int
	Line   int
	Column int
}

// String returns "line:column".
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// Value is one JSON value of a parsed file and where it starts.
//
// Only the fields of its Kind are set: Bool for KindBool, Str (decoded) for
// KindString, Num (the literal text, exactly as written) for KindNumber,
// (ParseYAML also sets Str of a number whose YAML text is not JSON, such as
// 0x1F, to that text, and Num to the same number in JSON),
// Elems for KindArray and Members for KindObject.
type Value struct {
	Kind Kind
	Bool bool
	// Ambiguity is set by ParseYAML on a plain scalar that YAML 1.1 reads
	// otherwise (see ScalarPitfall); it is AmbiguityNone for JSON.
	Ambiguity Ambiguity
	Pos       Pos // the first character of the value: '{', '[', '"', a digit, '-', 't', 'f' or 'n'
	Str       string
	Num       string
	// Elems holds an array's elements in order.
	Elems []*Value
	// Members holds an object's members in the order of their keys' first
	// appearance, one per distinct key. When a key repeats, the member keeps
	// its place and takes the last key position and value (what Port and
	// encoding/json keep); Parse reports the repetition as a Diagnostic.
	Members []Member
}

// Member is one key of an object and its value.
type Member struct {
	Key    string
	KeyPos Pos // the opening quote of the key
	Value  *Value
}

// Get returns the value of key in an object, or nil when v is nil, is not an
// object or has no such key.
func (v *Value) Get(key string) *Value {
	if m, ok := v.Member(key); ok {
		return m.Value
	}
	return nil
}

// Member returns the member of an object with the given key. It reports
// false when v is nil, is not an object or has no such key.
func (v *Value) Member(key string) (*Member, bool) {
	if v == nil || v.Kind != KindObject {
		return nil, false
	}
	for i := range v.Members {
		if v.Members[i].Key == key {
			return &v.Members[i], true
		}
	}
	return nil, false
}

// Lookup follows reference tokens (object keys or decimal array indexes, as
// in a parsed JSON pointer) from v and returns the value they reach, or nil.
// No tokens returns v itself.
func (v *Value) Lookup(tokens []string) *Value {
	for _, tok := range tokens {
		if v == nil {
			return nil
		}
		switch v.Kind {
		case KindObject:
			v = v.Get(tok)
		case KindArray:
			i, ok := arrayIndex(tok)
			if !ok || i >= len(v.Elems) {
				return nil
			}
			v = v.Elems[i]
		default:
			return nil
		}
	}
	return v
}

// arrayIndex parses an RFC 6901 array index: "0" or digits without a leading
// zero.
func arrayIndex(tok string) (int, bool) {
	if tok == "" || len(tok) > 9 || (tok[0] == '0' && len(tok) > 1) {
		return 0, false
	}
	n := 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Interface returns v as the plain Go value a JSON Schema validator expects:
// nil, bool, json.Number (the exact literal), string, []any or
// map[string]any. A nil v gives nil.
func (v *Value) Interface() any {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case KindBool:
		return v.Bool
	case KindNumber:
		return json.Number(v.Num)
	case KindString:
		return v.Str
	case KindArray:
		out := make([]any, len(v.Elems))
		for i, e := range v.Elems {
			out[i] = e.Interface()
		}
		return out
	case KindObject:
		out := make(map[string]any, len(v.Members))
		for _, m := range v.Members {
			out[m.Key] = m.Value.Interface()
		}
		return out
	}
	return nil
}
