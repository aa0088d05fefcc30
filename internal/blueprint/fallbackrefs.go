package blueprint

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// A schema for the fallback library may refer inside the blueprint
// ("$ref": "#/properties/p/$defs/s"). The library follows references as it
// validates and guards against no loop, so a blueprint could make it
// recurse without end (a fatal stack overflow) or take exponential time
// (subschemas that refer twice to the next, thirty deep). checkInPlace
// refuses both before the library sees the schema: it follows the keywords
// that apply a subschema to the same value ($ref, allOf, anyOf, oneOf, not,
// if, then, else, dependentSchemas) and fails on a cycle among them, or
// when one value could be checked against more than maxInPlace subschemas
// that way. Keywords that go down into the value (properties, items, ...)
// end a chain, since the value's depth bounds them. Identifiers that move
// the base of references ($id, $anchor, $dynamicRef, ...) are refused: the
// walk could not follow them.

// maxInPlace bounds the subschemas one value may be checked against
// without going down into it.
const maxInPlace = 10000

// inPlaceKeywords apply subschemas to the value itself.
var (
	inPlaceOne   = []string{"not", "if", "then", "else"}
	inPlaceArray = []string{"allOf", "anyOf", "oneOf"}
	inPlaceMap   = []string{"dependentSchemas"}
	movingBase   = []string{"$id", "$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveRef", "$recursiveAnchor"}
)

// checkInPlace checks root, the blueprint's {"properties": ...} schema, and
// returns a *propertyError naming the property at fault.
func checkInPlace(root map[string]any) error {
	nodes := map[string]map[string]any{}
	var bad error
	var walk func(s map[string]any, ptr string, depth int)
	walk = func(s map[string]any, ptr string, depth int) {
		if bad != nil {
			return
		}
		if depth > maxSchemaDepth {
			bad = inPlaceError(ptr, "", errTooDeep.Error())
			return
		}
		nodes[ptr] = s
		keys := make([]string, 0, len(s))
		for k := range s {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, m := range movingBase {
				if k == m {
					bad = inPlaceError(ptr, k, k+" is not followed in a blueprint: refer with \"#/...\" from the blueprint's schema")
					return
				}
			}
			v := s[k]
			at := ptr + "/" + escapeToken(k)
			switch {
			case schemaKeywords[k] || oneOfStrings(k, inPlaceOne):
				if sub, ok := v.(map[string]any); ok {
					walk(sub, at, depth+1)
				}
			case schemaMapKeywords[k] && k != "dependencies":
				if m, ok := v.(map[string]any); ok {
					for name, e := range m {
						if sub, ok := e.(map[string]any); ok {
							walk(sub, at+"/"+escapeToken(name), depth+1)
						}
					}
				}
			}
			if schemaArrayKeywords[k] {
				if arr, ok := v.([]any); ok {
					for i, e := range arr {
						if sub, ok := e.(map[string]any); ok {
							walk(sub, at+"/"+strconv.Itoa(i), depth+1)
						}
					}
				}
			}
		}
	}
	walk(root, "", 0)
	if bad != nil {
		return bad
	}
	edges := func(ptr string) ([]string, error) {
		s := nodes[ptr]
		var out []string
		for _, k := range inPlaceOne {
			if _, ok := s[k].(map[string]any); ok {
				out = append(out, ptr+"/"+k)
			}
		}
		for _, k := range inPlaceArray {
			if arr, ok := s[k].([]any); ok {
				for i, e := range arr {
					if _, ok := e.(map[string]any); ok {
						out = append(out, ptr+"/"+k+"/"+strconv.Itoa(i))
					}
				}
			}
		}
		for _, k := range inPlaceMap {
			if m, ok := s[k].(map[string]any); ok {
				for name, e := range m {
					if _, ok := e.(map[string]any); ok {
						out = append(out, ptr+"/"+k+"/"+escapeToken(name))
					}
				}
			}
		}
		if ref, ok := s["$ref"].(string); ok {
			target, err := refTarget(ref)
			if err != nil {
				return nil, inPlaceError(ptr, "$ref", err.Error())
			}
			if _, ok := nodes[target]; ok {
				out = append(out, target)
			}
			// Anything else fails to resolve in the library.
		}
		sort.Strings(out)
		return out, nil
	}
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	count := map[string]int{}
	var visit func(ptr string) error
	visit = func(ptr string) error {
		switch state[ptr] {
		case open:
			return inPlaceError(ptr, "", "its $ref leads back to itself without going down into the value (a validator would loop forever)")
		case done:
			return nil
		}
		state[ptr] = open
		next, err := edges(ptr)
		if err != nil {
			return err
		}
		n := 1
		for _, c := range next {
			if err := visit(c); err != nil {
				return err
			}
			n += count[c]
			if n > maxInPlace {
				return inPlaceError(ptr, "", fmt.Sprintf("one value would be checked against more than %d subschemas through its $ref, allOf, anyOf and oneOf", maxInPlace))
			}
		}
		state[ptr], count[ptr] = done, n
		return nil
	}
	ptrs := make([]string, 0, len(nodes))
	for p := range nodes {
		ptrs = append(ptrs, p)
	}
	sort.Strings(ptrs)
	for _, p := range ptrs {
		if err := visit(p); err != nil {
			return err
		}
	}
	return nil
}

// refTarget is the JSON pointer a "#..." reference names.
func refTarget(ref string) (string, error) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return "", fmt.Errorf("$ref %s refers outside the blueprint", quote(ref))
	}
	frag, err := url.PathUnescape(frag)
	if err != nil {
		return "", fmt.Errorf("$ref %s is not a valid reference", quote(ref))
	}
	if frag != "" && !strings.HasPrefix(frag, "/") {
		return "", fmt.Errorf("$ref %s names an anchor; port-gitops follows only \"#/...\" pointers in a blueprint", quote(ref))
	}
	return frag, nil
}

func escapeToken(t string) string {
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}

func oneOfStrings(s string, list []string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

// inPlaceError is a *propertyError at ptr (inside {"properties": ...}),
// at keyword kw of it when kw is not "".
func inPlaceError(ptr, kw, msg string) error {
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, t := range toks {
		toks[i] = unescapeToken(t)
	}
	if kw != "" {
		toks = append(toks, kw)
	}
	pe := &propertyError{prop: "", err: &schemaError{msg: msg}}
	if len(toks) >= 2 && toks[0] == "properties" {
		pe.prop, pe.err.loc = toks[1], toks[2:]
	}
	return pe
}
