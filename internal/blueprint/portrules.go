package blueprint

import (
	"fmt"
	"strings"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// Port's rules for a blueprint's schema properties (its OpenAPI
// specification of POST /v1/blueprints): what Port itself rejects, checked
// before the schema is compiled so that a broken blueprint is reported in
// Port's words at the offending keyword, not in the JSON Schema library's.
var (
	// PropertyTypes are the types a schema property may have.
	PropertyTypes = []string{"string", "number", "boolean", "object", "array"}
	// PropertyFormats are the formats a schema property may have.
	PropertyFormats = []string{"date-time", "url", "email", "idn-email", "ipv4", "ipv6", "markdown", "yaml", "user", "blueprints", "team", "timer", "proto", "labeled-url"}
	// PropertySpecs are the values of a property's "spec".
	PropertySpecs = []string{"open-api", "async-api", "embedded-url"}
)

// checkProperty checks one schema property against Port's rules; the
// returned message is in Port's words and n is where it points.
func checkProperty(m entity.Member) (n *entity.Value, msg string) {
	v := m.Value
	if v.Kind != entity.KindObject {
		if m.Key == "required" {
			return v, `property "required" must be an object: the list of required properties belongs in "schema", beside "properties", not inside it`
		}
		return v, fmt.Sprintf("property %q must be an object, got %s", m.Key, kindName(v))
	}
	t := v.Get("type")
	// Port's specification requires a type, but blueprints without one
	// (an enum alone) are checked as JSON Schema has it: any type.
	if t != nil && (t.Kind != entity.KindString || !oneOf(t.Str, PropertyTypes)) {
		return t, fmt.Sprintf("property %q: type %s is not one of %s", m.Key, bpValueText(t), strings.Join(PropertyTypes, ", "))
	}
	if f := v.Get("format"); f != nil && (f.Kind != entity.KindString || !oneOf(f.Str, PropertyFormats)) {
		return f, fmt.Sprintf("property %q: format %s is not one of %s", m.Key, bpValueText(f), strings.Join(PropertyFormats, ", "))
	}
	if s := v.Get("spec"); s != nil && (s.Kind != entity.KindString || !oneOf(s.Str, PropertySpecs)) {
		return s, fmt.Sprintf("property %q: spec %s is not one of %s", m.Key, bpValueText(s), strings.Join(PropertySpecs, ", "))
	}
	return nil, ""
}

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

// valueText shows a blueprint value in a message: a string quoted, else its
// JSON type.
func bpValueText(v *entity.Value) string {
	switch v.Kind {
	case entity.KindString:
		s := v.Str
		if len(s) > 60 {
			s = s[:60] + "..."
		}
		return fmt.Sprintf("%q", s)
	case entity.KindNumber:
		return v.Num
	case entity.KindBool:
		return fmt.Sprint(v.Bool)
	}
	return kindName(v)
}

// propertyCompileError is a property whose schema the native compiler or
// the fallback library refuses, with where inside the property's
// definition.
type propertyCompileError struct {
	prop string
	loc  []string // JSON pointer tokens inside the property's definition
	msg  string
}

func (e *propertyCompileError) Error() string {
	return fmt.Sprintf("property %q does not compile: %s", e.prop, e.msg)
}
