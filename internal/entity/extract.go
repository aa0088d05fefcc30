package entity

import (
	"fmt"
	"strconv"
	"strings"
)

// Problem is something wrong with a file's JSON or the shape of its
// entities, positioned and named by a rule for the validator's findings.
type Problem struct {
	Pos     Pos
	Pointer string // JSON pointer into the file ("" for the whole file)
	Rule    string // "json-syntax", "duplicate-key", "entity-shape", "unknown-field", "identifier-missing"
	Message string
}

// Entity is one entity object of a file.
type Entity struct {
	Index          int    // position in the file's array, or -1 when the file is a single object
	Pointer        string // JSON pointer to the entity object: "" or "/3"
	Node           *Value // the entity object
	Identifier     string // the identifier when it is a string, else ""
	IdentifierNode *Value // the "identifier" value of any kind, nil when absent
	Blueprint      string // the "blueprint" key when it is a string, else ""
	BlueprintNode  *Value // the "blueprint" value of any kind, nil when absent
}

// envelopeKeys are the top-level keys an entity object may hold: Port's
// entity fields plus "blueprint", which port-gitops reads to know which
// blueprint checks the entity.
var envelopeKeys = []string{"identifier", "title", "icon", "team", "properties", "relations", "blueprint"}

// IsServerField reports whether key is a field Port sets on every entity
// and ignores on write (createdAt, createdBy, updatedAt, updatedBy): entities
// copied from Port's API or UI carry them. Extract accepts them; they must
// never be sent.
func IsServerField(key string) bool {
	switch key {
	case "createdAt", "createdBy", "updatedAt", "updatedBy":
		return true
	}
	return false
}

// RuleNotEntityFile names the one finding Extract makes for a file that
// holds no entity at all: no object in it has any key an entity has (nor a
// near miss of one), such as another tool's file that a rule's glob matches.
const RuleNotEntityFile = "not-entity-file"

// Extract returns the entities of a parsed file, which holds either one
// entity object or an array of them, and the problems with their shape:
// a root that is neither, an empty array, an element that is not an object,
// a missing or non-string identifier, a non-string blueprint and unknown
// top-level keys (the fields IsServerField names are not unknown). A file
// none of whose objects has a key of an entity (or a near miss of one) is one
// problem of rule RuleNotEntityFile, and no entity. Every
// object found is returned as an entity, even one with
// problems, so that later checks still see it. A nil root gives nothing.
func Extract(root *Value) ([]Entity, []Problem) {
	if root == nil {
		return nil, nil
	}
	if p, ok := notEntityFile(root); ok {
		return nil, []Problem{p}
	}
	var ents []Entity
	var probs []Problem
	switch root.Kind {
	case KindObject:
		ents = make([]Entity, 0, 1)
		ents, probs = extractOne(ents, probs, root, -1, "")
	case KindArray:
		if len(root.Elems) == 0 {
			probs = append(probs, Problem{Pos: root.Pos, Rule: "entity-shape",
				Message: "the file holds an empty array: add at least one entity object"})
			break
		}
		ents = make([]Entity, 0, len(root.Elems))
		for i, el := range root.Elems {
			ptr := "/" + strconv.Itoa(i)
			if el.Kind != KindObject {
				probs = append(probs, Problem{Pos: el.Pos, Pointer: ptr, Rule: "entity-shape",
					Message: fmt.Sprintf("array element %d must be an entity object, got %s", i, article(el.Kind))})
				continue
			}
			ents, probs = extractOne(ents, probs, el, i, ptr)
		}
	default:
		probs = append(probs, Problem{Pos: root.Pos, Rule: "entity-shape",
			Message: fmt.Sprintf("the file must hold an entity object or an array of entity objects, got %s", article(root.Kind))})
	}
	return ents, probs
}

// notEntityFile reports a root that is an object, or an array of objects,
// none of which has an entity's key or a near miss of one.
func notEntityFile(root *Value) (Problem, bool) {
	objs := []*Value{root}
	if root.Kind == KindArray {
		if len(root.Elems) == 0 {
			return Problem{}, false
		}
		objs = root.Elems
	}
	for _, o := range objs {
		if o.Kind != KindObject {
			return Problem{}, false
		}
		for _, m := range o.Members {
			if IsServerField(m.Key) || Suggest(m.Key, envelopeKeys) != "" {
				return Problem{}, false
			}
			for _, k := range envelopeKeys {
				if m.Key == k {
					return Problem{}, false
				}
			}
		}
	}
	return Problem{Pos: root.Pos, Rule: RuleNotEntityFile,
		Message: "not a Port entity file: no identifier (it holds none of an entity's keys); if the file belongs to another tool, list it in the exclude globs of the configuration's entities rule"}, true
}

func extractOne(ents []Entity, probs []Problem, obj *Value, index int, ptr string) ([]Entity, []Problem) {
	e := Entity{Index: index, Pointer: ptr, Node: obj}
	for _, m := range obj.Members {
		switch m.Key {
		case "identifier":
			e.IdentifierNode = m.Value
			if m.Value.Kind == KindString {
				e.Identifier = m.Value.Str
			} else {
				probs = append(probs, Problem{Pos: m.Value.Pos, Pointer: ptr + "/identifier", Rule: "entity-shape",
					Message: fmt.Sprintf("identifier must be a string, got %s", article(m.Value.Kind))})
			}
		case "blueprint":
			e.BlueprintNode = m.Value
			if m.Value.Kind == KindString {
				e.Blueprint = m.Value.Str
			} else {
				probs = append(probs, Problem{Pos: m.Value.Pos, Pointer: ptr + "/blueprint", Rule: "entity-shape",
					Message: fmt.Sprintf("blueprint must be a string, got %s", article(m.Value.Kind))})
			}
		case "title", "icon", "team", "properties", "relations":
		default:
			if IsServerField(m.Key) {
				continue // set by Port; blueprint.CheckEnvelope warns
			}
			msg := fmt.Sprintf("unknown field %q", m.Key)
			if s := Suggest(m.Key, envelopeKeys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += ": an entity holds only " + strings.Join(envelopeKeys, ", ")
			}
			probs = append(probs, Problem{Pos: m.KeyPos, Pointer: ptr + Pointer(m.Key), Rule: "unknown-field", Message: msg})
		}
	}
	if e.IdentifierNode == nil {
		probs = append(probs, Problem{Pos: obj.Pos, Pointer: ptr, Rule: "identifier-missing",
			Message: `entity has no "identifier"`})
	}
	return append(ents, e), probs
}

// article names a kind with its article: "a string", "an object", "null".
func article(k Kind) string {
	switch k {
	case KindNull:
		return "null"
	case KindArray, KindObject:
		return "an " + k.String()
	}
	return "a " + k.String()
}
