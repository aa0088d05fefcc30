package blueprint

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// The property schemas Port allows are a small part of JSON Schema: types,
// formats, enum and const, pattern, lengths, ranges, array items, nested
// object properties, required and additionalProperties, plus annotations
// that check nothing. A property whose schema keeps to that language is
// compiled here into a schemaNode and checked directly on the parse tree
// (no conversion to map[string]any, no JSON Schema library); anything else
// goes to the fallback library (fallback.go), property by property.
//
// A schemaNode checks in the order JSON Schema validators commonly do, and
// stops where they stop: a wrong type, const, enum or format is the only
// finding of its value; then the keywords of the value's type each add one
// (required, properties, additionalProperties; minItems, maxItems,
// uniqueItems, items; minLength, maxLength, pattern; minimum, maximum,
// exclusiveMinimum, exclusiveMaximum, multipleOf). The messages are the
// ones port-gitops has always given; the differential test checks them
// against a JSON Schema library.

// typeSet is a set of JSON Schema type names.
type typeSet uint8

const (
	tNull typeSet = 1 << iota
	tBoolean
	tNumber
	tInteger
	tString
	tArray
	tObject
)

// typeNames lists the types in the order messages name them.
var typeNames = []struct {
	bit  typeSet
	name string
}{{tNull, "null"}, {tBoolean, "boolean"}, {tNumber, "number"}, {tInteger, "integer"}, {tString, "string"}, {tArray, "array"}, {tObject, "object"}}

func typeBit(name string) typeSet {
	for _, t := range typeNames {
		if t.name == name {
			return t.bit
		}
	}
	return 0
}

// kindBit is the type of a parsed value, integers being numbers.
func kindBit(k entity.Kind) typeSet {
	switch k {
	case entity.KindNull:
		return tNull
	case entity.KindBool:
		return tBoolean
	case entity.KindNumber:
		return tNumber
	case entity.KindString:
		return tString
	case entity.KindArray:
		return tArray
	}
	return tObject
}

// constBit is the type of a value of a compiled schema (enum, const).
func constBit(v any) typeSet {
	switch v.(type) {
	case nil:
		return tNull
	case bool:
		return tBoolean
	case string:
		return tString
	case []any:
		return tArray
	case map[string]any:
		return tObject
	}
	return tNumber
}

// schemaNode is a compiled schema of the native language.
type schemaNode struct {
	types   typeSet // 0: any type
	typeMsg string  // the allowed types, "string or number"

	hasConst bool
	constV   any

	hasEnum   bool
	enum      []any
	enumTypes typeSet
	enumList  string // the allowed values as a message names them

	format *nativeFormat

	pattern *regexp.Regexp

	minLength, maxLength int // -1: none

	minimum, maximum, exclusiveMinimum, exclusiveMaximum *number
	multipleOf                                           *big.Rat

	minItems, maxItems int // -1: none
	uniqueItems        bool
	items              *schemaNode

	props    []namedNode // in the order of the blueprint
	propMap  map[string]*schemaNode
	required []string
	// additional is additionalProperties: nil when absent or true;
	// noAdditional when false.
	additional   *schemaNode
	noAdditional bool
}

type namedNode struct {
	name string
	node *schemaNode
}

func (s *schemaNode) prop(name string) *schemaNode {
	if s.propMap != nil {
		return s.propMap[name]
	}
	for i := range s.props {
		if s.props[i].name == name {
			return s.props[i].node
		}
	}
	return nil
}

// number is a number of a schema (minimum, ...): exact as a big.Rat, and
// as the nearest float64 for a quick comparison.
type number struct {
	rat *big.Rat
	dec decimal
	f   float64
}

// annotations are the keywords that check nothing, with the JSON type each
// must have (0: any).
var annotations = map[string]typeSet{
	"title": tString, "description": tString, "$comment": tString,
	"default": 0, "examples": tArray,
	"readOnly": tBoolean, "writeOnly": tBoolean, "deprecated": tBoolean,
	// Port's own: the property's icon, its spec and the spec's
	// authentication, the colours of enum values.
	"icon": 0, "spec": 0, "specAuthentication": 0, "enumColors": 0,
}

// errOutside says a schema uses JSON Schema beyond the native language: the
// fallback library judges it.
var errOutside = errors.New("outside the native language")

// schemaError is a keyword of the native language with a value JSON Schema
// does not allow, at loc inside the property's definition.
type schemaError struct {
	loc []string
	msg string
}

func (e *schemaError) Error() string { return e.msg }

// compileNative compiles one property's schema. It returns errOutside when
// the schema is beyond the language, a *schemaError when a keyword's value
// is wrong.
func compileNative(def map[string]any) (*schemaNode, error) {
	return compileNode(def, nil, 0)
}

func compileNode(def map[string]any, loc []string, depth int) (*schemaNode, error) {
	if depth > maxSchemaDepth {
		return nil, errOutside
	}
	s := &schemaNode{minLength: -1, maxLength: -1, minItems: -1, maxItems: -1}
	keys := make([]string, 0, len(def))
	for k := range def {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	at := func(k string) []string { return append(append([]string(nil), loc...), k) }
	bad := func(k, format string, args ...any) error {
		return &schemaError{loc: at(k), msg: fmt.Sprintf(format, args...)}
	}
	for _, k := range keys {
		v := def[k]
		if want, ok := annotations[k]; ok {
			if want != 0 && constBit(v) != want {
				return nil, errOutside // the fallback library says what is wrong
			}
			continue
		}
		var err error
		switch k {
		case "type":
			err = s.compileType(v, bad)
		case "const":
			s.hasConst, s.constV = true, v
		case "enum":
			arr, ok := v.([]any)
			if !ok {
				return nil, bad(k, "must be an array, got %s", anyKind(v))
			}
			s.hasEnum, s.enum = true, arr
			want := make([]string, 0, listed)
			for i, e := range arr {
				s.enumTypes |= constBit(e)
				if i < listed {
					want = append(want, jsonText(e))
				}
			}
			s.enumList = listSome(want, len(arr))
		case "format":
			name, ok := v.(string)
			if !ok {
				return nil, bad(k, "must be a string, got %s", anyKind(v))
			}
			f := nativeFormats[name]
			if f == nil {
				return nil, errOutside
			}
			s.format = f
		case "pattern":
			p, ok := v.(string)
			if !ok {
				return nil, bad(k, "must be a string, got %s", anyKind(v))
			}
			re, rerr := regexp.Compile(p)
			if rerr != nil {
				return nil, bad(k, "pattern %q is not a regular expression", p)
			}
			s.pattern = re
		case "minLength", "maxLength", "minItems", "maxItems":
			n, cerr := count(v)
			if cerr != nil {
				if cerr == errOutside {
					return nil, cerr
				}
				return nil, bad(k, "must be a non-negative integer, got %s", cerr)
			}
			switch k {
			case "minLength":
				s.minLength = n
			case "maxLength":
				s.maxLength = n
			case "minItems":
				s.minItems = n
			default:
				s.maxItems = n
			}
		case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf":
			num, nerr := schemaNumber(v)
			if nerr != nil {
				if nerr == errOutside {
					return nil, nerr
				}
				return nil, bad(k, "%v", nerr)
			}
			switch k {
			case "minimum":
				s.minimum = num
			case "maximum":
				s.maximum = num
			case "exclusiveMinimum":
				s.exclusiveMinimum = num
			case "exclusiveMaximum":
				s.exclusiveMaximum = num
			default:
				if num.rat.Sign() <= 0 {
					return nil, bad(k, "must be greater than 0")
				}
				s.multipleOf = num.rat
			}
		case "uniqueItems":
			b, ok := v.(bool)
			if !ok {
				return nil, bad(k, "must be true or false, got %s", anyKind(v))
			}
			s.uniqueItems = b
		case "items":
			sub, ok := v.(map[string]any)
			if !ok {
				if _, isArr := v.([]any); isArr {
					return nil, bad(k, "must be a schema (an object), got an array")
				}
				return nil, errOutside // a boolean schema, or not a schema at all
			}
			if s.items, err = compileNode(sub, at(k), depth+1); err != nil {
				return nil, err
			}
		case "properties":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, bad(k, "must be an object, got %s", anyKind(v))
			}
			names := make([]string, 0, len(m))
			for name := range m {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				sub, ok := m[name].(map[string]any)
				if !ok {
					if _, isBool := m[name].(bool); isBool {
						return nil, errOutside
					}
					return nil, &schemaError{loc: append(at(k), name), msg: fmt.Sprintf("property %q must be a schema (an object), got %s", name, anyKind(m[name]))}
				}
				n, err := compileNode(sub, append(at(k), name), depth+1)
				if err != nil {
					return nil, err
				}
				s.props = append(s.props, namedNode{name, n})
			}
			if len(s.props) > 8 {
				s.propMap = make(map[string]*schemaNode, len(s.props))
				for _, p := range s.props {
					s.propMap[p.name] = p.node
				}
			}
		case "required":
			arr, ok := v.([]any)
			if !ok {
				return nil, bad(k, "must be an array of property names, got %s", anyKind(v))
			}
			seen := map[string]bool{}
			for _, e := range arr {
				name, ok := e.(string)
				if !ok {
					return nil, bad(k, "must hold property names, got %s", anyKind(e))
				}
				if seen[name] {
					return nil, bad(k, "names %q twice", name)
				}
				seen[name] = true
				s.required = append(s.required, name)
			}
		case "additionalProperties":
			switch a := v.(type) {
			case bool:
				s.noAdditional = !a
			case map[string]any:
				if s.additional, err = compileNode(a, at(k), depth+1); err != nil {
					return nil, err
				}
			default:
				return nil, bad(k, "must be a schema or a boolean, got %s", anyKind(v))
			}
		default:
			return nil, errOutside
		}
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *schemaNode) compileType(v any, bad func(string, string, ...any) error) error {
	var names []string
	switch t := v.(type) {
	case string:
		names = []string{t}
	case []any:
		if len(t) == 0 {
			return bad("type", "must name at least one type")
		}
		for _, x := range t {
			n, ok := x.(string)
			if !ok {
				return bad("type", "must hold type names, got %s", anyKind(x))
			}
			names = append(names, n)
		}
	default:
		return bad("type", "must be a type name or a list of them, got %s", anyKind(v))
	}
	for _, n := range names {
		b := typeBit(n)
		if b == 0 {
			return bad("type", "%q is not a JSON Schema type", n)
		}
		if s.types&b != 0 {
			return bad("type", "names %q twice", n)
		}
		s.types |= b
	}
	var want []string
	for _, t := range typeNames {
		if s.types&t.bit != 0 {
			want = append(want, t.name)
		}
	}
	s.typeMsg = strings.Join(want, " or ")
	return nil
}

// count reads a non-negative integer keyword (minLength, ...); its error
// names what the value is instead.
func count(v any) (int, error) {
	n, err := schemaNumber(v)
	if err != nil {
		if err == errOutside {
			return 0, err
		}
		return 0, errors.New(anyKind(v))
	}
	if !n.rat.IsInt() || n.rat.Sign() < 0 {
		return 0, errors.New(ratText(n.rat))
	}
	if !n.rat.Num().IsInt64() || n.rat.Num().Int64() > math.MaxInt32 {
		return 0, errOutside
	}
	return int(n.rat.Num().Int64()), nil
}

func schemaNumber(v any) (*number, error) {
	text, ok := numberText(v)
	if !ok {
		return nil, fmt.Errorf("must be a number, got %s", anyKind(v))
	}
	d, ok := parseDecimal(text)
	if !ok || !d.moderate() {
		return nil, errOutside // far beyond float64 (1e999999): the fallback judges it
	}
	r, ok := new(big.Rat).SetString(text)
	if !ok {
		return nil, errOutside
	}
	f, _ := r.Float64()
	return &number{rat: r, dec: d, f: f}, nil
}

func numberText(v any) (string, bool) {
	switch n := v.(type) {
	case json.Number:
		return n.String(), true
	case float64:
		return strconv.FormatFloat(n, 'g', -1, 64), true
	}
	return "", false
}

// anyKind names the JSON type of a compiled schema's value for a message.
func anyKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "a number"
}

// walker checks values and gathers findings. toks is where the value being
// checked is inside its property (object keys and array indexes), pushed
// and popped as the check goes down, and turned into tokens only for a
// finding: checking a valid value allocates nothing.
type walker struct {
	toks []pathTok
	out  []nativeFinding
}

type pathTok struct {
	key   string
	index int // -1 for an object key
}

func (w *walker) tokens() []string {
	out := make([]string, len(w.toks))
	for i, t := range w.toks {
		if t.index >= 0 {
			out[i] = strconv.Itoa(t.index)
		} else {
			out[i] = t.key
		}
	}
	return out
}

func (w *walker) push(key string, index int) {
	if w.toks == nil {
		w.toks = make([]pathTok, 0, 8) // one allocation for a whole entity
	}
	w.toks = append(w.toks, pathTok{key, index})
}
func (w *walker) pop() { w.toks = w.toks[:len(w.toks)-1] }

// nativeFinding is one failed keyword: the value, where it is inside the
// property, and what is wrong.
type nativeFinding struct {
	at   *entity.Value
	loc  []string
	rule string
	msg  string
}

func (w *walker) fail(v *entity.Value, rule, format string, args ...any) {
	w.out = append(w.out, nativeFinding{at: v, loc: w.tokens(), rule: rule, msg: fmt.Sprintf(format, args...)})
}

// check adds the findings of v to w.
func (s *schemaNode) check(v *entity.Value, w *walker) {
	if s.types != 0 {
		b := kindBit(v.Kind)
		if s.types&b == 0 && !(b == tNumber && s.types&tInteger != 0 && isIntegerText(v.Num)) {
			w.fail(v, "type", "must be %s, got %s", s.typeMsg, v.Kind)
			return
		}
	}
	if s.hasConst && !equalValue(v, s.constV) {
		w.fail(v, "const", "must be %s", jsonText(s.constV))
		return
	}
	if s.hasEnum && !s.inEnum(v) {
		w.fail(v, "enum", "%s is not one of %s", valueText(v), s.enumList)
		return
	}
	if s.format != nil {
		if err := s.format.check(v); err != nil {
			msg := fmt.Sprintf("%s is not a valid %s", valueText(v), s.format.name)
			if s.format.name == "date-time" {
				msg += " (RFC 3339, such as 2026-01-31T12:00:00Z)"
			} else {
				msg += ": " + err.Error()
			}
			w.out = append(w.out, nativeFinding{at: v, loc: w.tokens(), rule: "format", msg: msg})
			return
		}
	}
	switch v.Kind {
	case entity.KindObject:
		s.checkObject(v, w)
	case entity.KindArray:
		s.checkArray(v, w)
	case entity.KindString:
		s.checkString(v, w)
	case entity.KindNumber:
		s.checkNumber(v, w)
	}
}

func (s *schemaNode) inEnum(v *entity.Value) bool {
	if s.enumTypes&kindBit(v.Kind) == 0 {
		return false
	}
	for _, e := range s.enum {
		if equalValue(v, e) {
			return true
		}
	}
	return false
}

func (s *schemaNode) checkObject(v *entity.Value, w *walker) {
	if len(s.required) > 0 {
		var missing []string
		for _, r := range s.required {
			if _, ok := v.Member(r); !ok {
				missing = append(missing, strconv.Quote(r))
			}
		}
		if len(missing) > 0 {
			w.fail(v, "required-property", "missing required %s %s",
				plural(len(missing), "property", "properties"), strings.Join(missing, ", "))
		}
	}
	if len(s.props) == 0 && s.additional == nil && !s.noAdditional {
		return
	}
	var extra []string
	for i := range v.Members {
		m := &v.Members[i]
		sub := s.prop(m.Key)
		if sub == nil {
			switch {
			case s.noAdditional:
				extra = append(extra, strconv.Quote(m.Key))
				continue
			case s.additional != nil:
				sub = s.additional
			default:
				continue
			}
		}
		w.push(m.Key, -1)
		sub.check(m.Value, w)
		w.pop()
	}
	if len(extra) > 0 {
		w.fail(v, "additional-properties", "%s not allowed", strings.Join(extra, ", "))
	}
}

func (s *schemaNode) checkArray(v *entity.Value, w *walker) {
	n := len(v.Elems)
	if s.minItems >= 0 && n < s.minItems {
		w.fail(v, "min-items", "has %d %s; at least %d required", n, plural(n, "item", "items"), s.minItems)
	}
	if s.maxItems >= 0 && n > s.maxItems {
		w.fail(v, "max-items", "has %d %s; at most %d allowed", n, plural(n, "item", "items"), s.maxItems)
	}
	if s.uniqueItems && n > 1 {
		if i, j, dup := duplicateItems(v.Elems); dup {
			w.fail(v, "unique-items", "items %d and %d are equal; items must be unique", i, j)
		}
	}
	if s.items != nil {
		for i, el := range v.Elems {
			w.push("", i)
			s.items.check(el, w)
			w.pop()
		}
	}
}

func (s *schemaNode) checkString(v *entity.Value, w *walker) {
	if s.minLength >= 0 || s.maxLength >= 0 {
		n := utf8.RuneCountInString(v.Str)
		if s.minLength >= 0 && n < s.minLength {
			w.fail(v, "min-length", "is %d characters long; at least %d required", n, s.minLength)
		}
		if s.maxLength >= 0 && n > s.maxLength {
			w.fail(v, "max-length", "is %d characters long; at most %d allowed", n, s.maxLength)
		}
	}
	if s.pattern != nil && !s.pattern.MatchString(v.Str) {
		w.fail(v, "pattern", "%s does not match the pattern %s", strconv.Quote(v.Str), s.pattern.String())
	}
}

func (s *schemaNode) checkNumber(v *entity.Value, w *walker) {
	if s.minimum == nil && s.maximum == nil && s.exclusiveMinimum == nil && s.exclusiveMaximum == nil && s.multipleOf == nil {
		return
	}
	f, _ := strconv.ParseFloat(v.Num, 64)
	if s.minimum != nil && compareNumber(v.Num, f, s.minimum) < 0 {
		w.fail(v, "minimum", "%s is less than the minimum %s", numText(v.Num), ratText(s.minimum.rat))
	}
	if s.maximum != nil && compareNumber(v.Num, f, s.maximum) > 0 {
		w.fail(v, "maximum", "%s is greater than the maximum %s", numText(v.Num), ratText(s.maximum.rat))
	}
	if s.exclusiveMinimum != nil && compareNumber(v.Num, f, s.exclusiveMinimum) <= 0 {
		w.fail(v, "minimum", "%s must be greater than %s", numText(v.Num), ratText(s.exclusiveMinimum.rat))
	}
	if s.exclusiveMaximum != nil && compareNumber(v.Num, f, s.exclusiveMaximum) >= 0 {
		w.fail(v, "maximum", "%s must be less than %s", numText(v.Num), ratText(s.exclusiveMaximum.rat))
	}
	if s.multipleOf != nil {
		// A value far beyond float64 (1e999999) is not judged: big.Rat
		// would need 10^exponent to.
		if d, ok := parseDecimal(v.Num); !ok || !d.moderate() {
			return
		}
		if r, ok := new(big.Rat).SetString(v.Num); ok && !new(big.Rat).Quo(r, s.multipleOf).IsInt() {
			w.fail(v, "schema", "%s is not a multiple of %s", ratText(r), ratText(s.multipleOf))
		}
	}
}

// compareNumber compares the number written text (f its nearest float64)
// with c, exactly. Rounding to float64 keeps order, so floats that differ
// decide; only equal ones need the exact value. A number beyond big.Rat
// (1e99999999) compares as equal when its float does.
func compareNumber(text string, f float64, c *number) int {
	switch {
	case f < c.f:
		return -1
	case f > c.f:
		return 1
	}
	d, ok := parseDecimal(text)
	if !ok {
		return 0
	}
	return d.cmp(c.dec)
}

// numText shows a value's number in a message as ratText does.
func numText(text string) string {
	d, ok := parseDecimal(text)
	if !ok {
		return text
	}
	if !d.moderate() {
		return d.short()
	}
	if r, ok := new(big.Rat).SetString(text); ok {
		return ratText(r)
	}
	return text
}

// isIntegerText reports whether the number written text is an integer
// (1, 1.0 and 1e3 are).
func isIntegerText(text string) bool {
	d, ok := parseDecimal(text)
	return ok && d.isInt()
}

// equalValue reports whether the parsed value v equals c, a value of a
// compiled schema, as JSON Schema compares: numbers by value (1 == 1.0),
// objects whatever the order of their keys.
func equalValue(v *entity.Value, c any) bool {
	switch c := c.(type) {
	case nil:
		return v.Kind == entity.KindNull
	case bool:
		return v.Kind == entity.KindBool && v.Bool == c
	case string:
		return v.Kind == entity.KindString && v.Str == c
	case []any:
		if v.Kind != entity.KindArray || len(v.Elems) != len(c) {
			return false
		}
		for i, e := range v.Elems {
			if !equalValue(e, c[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		if v.Kind != entity.KindObject || len(v.Members) != len(c) {
			return false
		}
		for _, m := range v.Members {
			cv, ok := c[m.Key]
			if !ok || !equalValue(m.Value, cv) {
				return false
			}
		}
		return true
	}
	text, ok := numberText(c)
	return ok && v.Kind == entity.KindNumber && equalNumbers(v.Num, text)
}

func equalNumbers(a, b string) bool {
	if a == b {
		return true
	}
	fa, _ := strconv.ParseFloat(a, 64)
	fb, _ := strconv.ParseFloat(b, 64)
	if fa != fb {
		return false
	}
	da, ok1 := parseDecimal(a)
	db, ok2 := parseDecimal(b)
	return ok1 && ok2 && da.cmp(db) == 0
}

// equalValues compares two parsed values as equalValue does.
func equalValues(a, b *entity.Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case entity.KindNull:
		return true
	case entity.KindBool:
		return a.Bool == b.Bool
	case entity.KindString:
		return a.Str == b.Str
	case entity.KindNumber:
		return equalNumbers(a.Num, b.Num)
	case entity.KindArray:
		if len(a.Elems) != len(b.Elems) {
			return false
		}
		for i := range a.Elems {
			if !equalValues(a.Elems[i], b.Elems[i]) {
				return false
			}
		}
		return true
	}
	if len(a.Members) != len(b.Members) {
		return false
	}
	for _, m := range a.Members {
		o := b.Get(m.Key)
		if o == nil || !equalValues(m.Value, o) {
			return false
		}
	}
	return true
}

// duplicateItems finds the first item equal to an earlier one: i is the
// earlier, j the later. Long arrays are grouped by a canonical key first,
// so that a 100,000-item array costs no 10¹⁰ comparisons.
func duplicateItems(elems []*entity.Value) (int, int, bool) {
	if len(elems) <= 20 {
		for j := 1; j < len(elems); j++ {
			for i := 0; i < j; i++ {
				if equalValues(elems[i], elems[j]) {
					return i, j, true
				}
			}
		}
		return 0, 0, false
	}
	first := make(map[string]int, len(elems))
	var b strings.Builder
	for j, el := range elems {
		b.Reset()
		canonical(&b, el)
		k := b.String()
		if i, ok := first[k]; ok {
			return i, j, true
		}
		first[k] = j
	}
	return 0, 0, false
}

// canonical writes a key that two values share exactly when they are equal
// as JSON Schema compares them.
func canonical(b *strings.Builder, v *entity.Value) {
	switch v.Kind {
	case entity.KindNull:
		b.WriteByte('z')
	case entity.KindBool:
		if v.Bool {
			b.WriteByte('t')
		} else {
			b.WriteByte('f')
		}
	case entity.KindString:
		b.WriteByte('s')
		b.WriteString(strconv.Quote(v.Str))
	case entity.KindNumber:
		b.WriteByte('n')
		if d, ok := parseDecimal(v.Num); ok {
			b.WriteString(d.canonical())
		} else {
			b.WriteString(strconv.Quote(v.Num))
		}
		b.WriteByte(';')
	case entity.KindArray:
		b.WriteByte('[')
		for _, e := range v.Elems {
			canonical(b, e)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case entity.KindObject:
		keys := make([]int, len(v.Members))
		for i := range keys {
			keys[i] = i
		}
		sort.Slice(keys, func(x, y int) bool { return v.Members[keys[x]].Key < v.Members[keys[y]].Key })
		b.WriteByte('{')
		for _, i := range keys {
			b.WriteString(strconv.Quote(v.Members[i].Key))
			b.WriteByte(':')
			canonical(b, v.Members[i].Value)
			b.WriteByte(',')
		}
		b.WriteByte('}')
	}
}
