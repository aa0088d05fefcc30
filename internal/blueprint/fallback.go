package blueprint

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// A property whose schema goes beyond the native language (anyOf, $ref,
// patternProperties, a boolean subschema, a format other than Port's, ...)
// is judged by a JSON Schema library, github.com/google/jsonschema-go
// (draft 2020-12 and draft-07), property by property.
//
// What that library asserts differs from the native language on two
// points, both said in the README: it asserts no format at all (a Port
// format, or date-time, email, ipv4 or ipv6, inside such a schema is not
// checked locally; Port still checks it), and it stops at a value's first
// failed keyword, whose message is the library's and whose pointer is as
// deep as the failing subschema's path tells (through "properties"), else
// the property.

// fallbackSchema is the blueprint's property schemas compiled by the
// fallback library, as one schema {"properties": {...}}: a "$ref" inside a
// property refers from there ("#/properties/p/$defs/s"), as in Port. Only
// the properties beyond the native language are checked through it.
type fallbackSchema struct {
	resolved *jsonschema.Resolved
}

// compileFallback compiles the property schemas props with the fallback
// library, for the properties outside (sorted). It never loads anything:
// a reference outside the blueprint fails to resolve. A *propertyError
// names the property at fault when the library's error tells it, else the
// first of outside.
func compileFallback(props map[string]map[string]any, outside []string) (_ *fallbackSchema, err error) {
	defer func() {
		// The library's own consistency checks panic; a blueprint is
		// repository content, so a panic is a broken blueprint.
		if r := recover(); r != nil {
			err = &propertyError{prop: outside[0], err: &schemaError{msg: fmt.Sprintf("the fallback JSON Schema library fails on it: %v", r)}}
		}
	}()
	all := make(map[string]any, len(props))
	for k, def := range props {
		all[k] = def
	}
	root := map[string]any{"properties": all}
	if err := checkInPlace(root); err != nil {
		if pe, ok := err.(*propertyError); ok && pe.prop == "" {
			pe.prop = outside[0]
		}
		return nil, err
	}
	data, err := json.Marshal(root)
	if err != nil {
		return nil, &propertyError{prop: outside[0], err: &schemaError{msg: firstLine(err.Error())}}
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(data, &s); err != nil {
		// Find the property: read each alone.
		for _, k := range outside {
			one, _ := json.Marshal(props[k])
			var s jsonschema.Schema
			if err := json.Unmarshal(one, &s); err != nil {
				return nil, &propertyError{prop: k, err: unmarshalError(err)}
			}
		}
		return nil, &propertyError{prop: outside[0], err: unmarshalError(err)}
	}
	rs, err := s.Resolve(&jsonschema.ResolveOptions{})
	if err != nil {
		return nil, &propertyError{prop: outside[0], err: &schemaError{msg: firstLine(err.Error())}}
	}
	return &fallbackSchema{resolved: rs}, nil
}

// unmarshalError says where the fallback library could not read a schema,
// as far as its error tells.
func unmarshalError(err error) *schemaError {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Field == "" {
		return &schemaError{msg: firstLine(err.Error())}
	}
	var loc []string
	for _, tok := range strings.Split(te.Field, ".") {
		if tok != "schemaWithoutMethods" { // the library's own type name
			loc = append(loc, tok)
		}
	}
	return &schemaError{loc: loc, msg: "the fallback JSON Schema library cannot read a " + te.Value + " here"}
}

// propertyError is an error of the fallback compiler, for property prop.
type propertyError struct {
	prop string
	err  *schemaError
}

func (e *propertyError) Error() string { return e.err.Error() }

// check returns the finding of v, the value of property key, if it fails.
func (f *fallbackSchema) check(key string, v *entity.Value) (found nativeFinding, bad bool) {
	defer func() {
		if r := recover(); r != nil {
			found, bad = nativeFinding{at: v, loc: []string{key}, rule: "schema", msg: fmt.Sprintf("the fallback JSON Schema library fails on this value: %v", r)}, true
		}
	}()
	err := f.resolved.Validate(map[string]any{key: fallbackValue(v)})
	if err == nil {
		return nativeFinding{}, false
	}
	msg := err.Error()
	// The library wraps its message in "validating <schema path>: "
	// layers; the innermost names the subschema that failed.
	var where string
	for {
		rest, ok := strings.CutPrefix(msg, "validating ")
		if !ok {
			break
		}
		i := strings.Index(rest, ": ")
		if i < 0 {
			break
		}
		where, msg = rest[:i], rest[i+2:]
	}
	// Its message for anyOf and the like goes on with the subschemas'
	// messages, one a line: keep the first.
	msg, _, _ = strings.Cut(msg, "\n")
	msg = strings.TrimSuffix(strings.TrimSpace(msg), ":")
	at, loc := v, []string{key}
	toks := strings.Split(where, "/")
	if len(toks) >= 3 && toks[0] == "" && toks[1] == "properties" && unescapeToken(toks[2]) == key {
		toks = toks[3:]
		for len(toks) >= 2 && toks[0] == "properties" {
			name := unescapeToken(toks[1])
			next := at.Get(name)
			if next == nil {
				break
			}
			at, loc = next, append(loc, name)
			toks = toks[2:]
		}
	}
	return nativeFinding{at: at, loc: loc, rule: fallbackRule(msg), msg: msg}, true
}

// fallbackValue is v as the fallback library reads values: like
// Interface, but numbers as int64 or uint64 when they are integers that
// fit, else float64 (the library takes a json.Number for a string).
func fallbackValue(v *entity.Value) any {
	switch v.Kind {
	case entity.KindNumber:
		if i, err := strconv.ParseInt(v.Num, 10, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(v.Num, 10, 64); err == nil {
			return u
		}
		f, _ := strconv.ParseFloat(v.Num, 64)
		return f
	case entity.KindArray:
		out := make([]any, len(v.Elems))
		for i, e := range v.Elems {
			out[i] = fallbackValue(e)
		}
		return out
	case entity.KindObject:
		out := make(map[string]any, len(v.Members))
		for _, m := range v.Members {
			out[m.Key] = fallbackValue(m.Value)
		}
		return out
	}
	return v.Interface()
}

func unescapeToken(t string) string {
	return strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
}

// fallbackRule is the rule of a fallback message, from the keyword it
// starts with.
func fallbackRule(msg string) string {
	kw, _, _ := strings.Cut(msg, ":")
	switch kw {
	case "type", "enum", "const", "pattern":
		return kw
	case "minLength":
		return "min-length"
	case "maxLength":
		return "max-length"
	case "minimum", "exclusiveMinimum":
		return "minimum"
	case "maximum", "exclusiveMaximum":
		return "maximum"
	case "minItems":
		return "min-items"
	case "maxItems":
		return "max-items"
	case "uniqueItems":
		return "unique-items"
	case "required":
		return "required-property"
	}
	if strings.HasPrefix(msg, "unexpected additional properties") {
		return "additional-properties"
	}
	return "schema"
}
