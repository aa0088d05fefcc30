package blueprint

import (
	"errors"
	"strconv"
	"strings"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// A cached blueprint is repository content that a pull request controls, so
// its schema may only refer inside itself. checkRefs finds, at the places
// JSON Schema reads subschemas, every $ref, $dynamicRef and $recursiveRef
// that is not a fragment ("#...") and every $schema that is not a JSON
// Schema dialect the compiler knows, and reports the first at its line and
// column. Neither compiler loads anything besides: the native one knows no
// reference, and the fallback library is given no loader, so whatever this
// walk might miss still cannot read the disk or the network: it fails to
// compile.

// refKeywords are the keywords whose value is a reference to load.
var refKeywords = []string{"$ref", "$dynamicRef", "$recursiveRef"}

// knownDialects are the $schema values the compiler resolves without a
// loader (its embedded metaschemas).
var knownDialects = map[string]bool{
	"http://json-schema.org/draft-04/schema":       true,
	"http://json-schema.org/draft-06/schema":       true,
	"http://json-schema.org/draft-07/schema":       true,
	"https://json-schema.org/draft/2019-09/schema": true,
	"https://json-schema.org/draft/2020-12/schema": true,
}

// Subschema places of every draft the compiler supports: keywords whose
// value is a schema, an array of schemas, or an object of named schemas.
var (
	schemaKeywords = map[string]bool{
		"not": true, "additionalProperties": true, "items": true, "additionalItems": true,
		"propertyNames": true, "contains": true, "if": true, "then": true, "else": true,
		"unevaluatedProperties": true, "unevaluatedItems": true, "contentSchema": true,
	}
	schemaArrayKeywords = map[string]bool{"allOf": true, "anyOf": true, "oneOf": true, "items": true, "prefixItems": true}
	schemaMapKeywords   = map[string]bool{
		"properties": true, "patternProperties": true, "definitions": true, "$defs": true,
		"dependentSchemas": true, "dependencies": true,
	}
)

// checkRefs checks the schema s and its subschemas. It returns a *LoadError
// in file at the offending value.
func checkRefs(file string, s *entity.Value) error {
	return walkSchema(s, func(n *entity.Value, msg string) error {
		return &LoadError{File: file, Line: n.Pos.Line, Column: n.Pos.Column, Msg: msg}
	}, 0)
}

// maxSchemaDepth bounds the walk; the parser's own nesting limit is lower.
const maxSchemaDepth = 10000

var errTooDeep = errors.New("schema nested too deeply")

func walkSchema(s *entity.Value, fail func(*entity.Value, string) error, depth int) error {
	if s == nil || s.Kind != entity.KindObject {
		return nil
	}
	if depth > maxSchemaDepth {
		return fail(s, errTooDeep.Error())
	}
	for _, m := range s.Members {
		v := m.Value
		for _, k := range refKeywords {
			if m.Key != k {
				continue
			}
			if v.Kind != entity.KindString {
				return fail(v, k+" must be a string")
			}
			if !strings.HasPrefix(v.Str, "#") {
				return fail(v, k+" "+quote(v.Str)+" refers outside the blueprint: a blueprint's schema may only refer inside itself (\"#/...\")")
			}
		}
		if m.Key == "$schema" && v.Kind == entity.KindString && !knownDialects[strings.TrimSuffix(v.Str, "#")] {
			return fail(v, "$schema "+quote(v.Str)+" is not a JSON Schema dialect port-gitops knows (draft-04 to 2020-12); it would have to be loaded from outside the blueprint")
		}
		if schemaKeywords[m.Key] {
			if err := walkSchema(v, fail, depth+1); err != nil {
				return err
			}
		}
		if schemaArrayKeywords[m.Key] && v.Kind == entity.KindArray {
			for _, e := range v.Elems {
				if err := walkSchema(e, fail, depth+1); err != nil {
					return err
				}
			}
		}
		if schemaMapKeywords[m.Key] && v.Kind == entity.KindObject {
			for _, named := range v.Members {
				if err := walkSchema(named.Value, fail, depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// quote quotes s for a message, shortened when long.
func quote(s string) string {
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return strconv.Quote(s)
}
