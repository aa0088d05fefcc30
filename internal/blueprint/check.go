package blueprint

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// Issue is one problem with an entity, positioned at a node of its file.
type Issue struct {
	Node    *entity.Value // where it points; never nil
	Pointer string        // JSON pointer relative to the entity object
	Rule    string
	Message string
	Warning bool
}

func issue(n *entity.Value, ptr, rule, format string, args ...any) Issue {
	return Issue{Node: n, Pointer: ptr, Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// CheckEnvelope checks what every entity must satisfy whatever its
// blueprint: the identifier and the shape of title, icon and team (a
// string, an array of strings, or a search query). Fields Port sets itself
// (createdAt, ...) are a warning of rule "server-field".
func CheckEnvelope(e *entity.Entity) []Issue {
	var out []Issue
	if n := e.IdentifierNode; n != nil && n.Kind == entity.KindString {
		if err := CheckIdentifier(n.Str); err != nil {
			out = append(out, issue(n, "/identifier", "identifier", "%v", err))
		}
	}
	for _, key := range []string{"title", "icon"} {
		if n := e.Node.Get(key); n != nil && n.Kind != entity.KindString && n.Kind != entity.KindNull {
			out = append(out, issue(n, "/"+key, "entity-shape", "%s must be a string, got %s", key, kindName(n)))
		}
	}
	for _, m := range e.Node.Members {
		if entity.IsServerField(m.Key) {
			keyNode := &entity.Value{Kind: entity.KindString, Str: m.Key, Pos: m.KeyPos}
			w := issue(keyNode, entity.Pointer(m.Key), "server-field",
				"%q is set by Port, which ignores it on write: port-gitops does not send it (remove it to keep the file tidy)", m.Key)
			w.Warning = true
			out = append(out, w)
		}
	}
	if n := e.Node.Get("team"); n != nil {
		switch {
		case n.Kind == entity.KindString, n.Kind == entity.KindNull, isSearchQuery(n):
		case n.Kind == entity.KindArray:
			for i, t := range n.Elems {
				if t.Kind != entity.KindString {
					out = append(out, issue(t, fmt.Sprintf("/team/%d", i), "team", "team must be a string or an array of strings, got %s in the array", kindName(t)))
				}
			}
		default:
			out = append(out, issue(n, "/team", "team", "team must be a string, an array of strings or a search query ({\"combinator\": ..., \"rules\": [...]}), got %s", kindName(n)))
		}
	}
	return out
}

// Validate checks an entity's properties, relations and team against the
// blueprint. It does not repeat CheckEnvelope.
func (b *Blueprint) Validate(e *entity.Entity) []Issue {
	var out []Issue
	out = append(out, b.checkProperties(e)...)
	out = append(out, b.checkRelations(e)...)
	if t := e.Node.Get("team"); t != nil && t.Kind != entity.KindNull && b.TeamInherited {
		out = append(out, issue(t, "/team", "team-inherited",
			"blueprint %q inherits team ownership through its relations; Port rejects an explicit team (remove it)", b.ID))
	}
	return out
}

// propertyIndex is the index of schema property k in Properties, or -1.
func (b *Blueprint) propertyIndex(k string) int {
	i := sort.SearchStrings(b.Properties, k)
	if i < len(b.Properties) && b.Properties[i] == k {
		return i
	}
	return -1
}

func (b *Blueprint) checkProperties(e *entity.Entity) []Issue {
	var out []Issue
	props := e.Node.Get("properties")
	if props != nil && props.Kind == entity.KindNull {
		props = nil
	}
	if props != nil && props.Kind != entity.KindObject {
		return []Issue{issue(props, "/properties", "entity-shape", "properties must be an object, got %s", kindName(props))}
	}
	missingAt, missingPtr := e.Node, ""
	// pitfallAt holds the YAML values reported as yaml-ambiguous-scalar,
	// whose type error would say the same less helpfully.
	var pitfallAt map[*entity.Value]bool
	// found are the schema findings, turned into issues after the
	// required properties' (the order findings at one place keep).
	var w walker
	// get finds a property of the entity: through an index when there are
	// many, so that required properties cost one look-up each.
	get := props.Get
	if props != nil && len(props.Members) > 16 {
		index := make(map[string]*entity.Value, len(props.Members))
		for _, m := range props.Members {
			if _, dup := index[m.Key]; !dup {
				index[m.Key] = m.Value
			}
		}
		get = func(k string) *entity.Value { return index[k] }
	}
	if props != nil {
		missingAt, missingPtr = props, "/properties"
		for _, m := range props.Members {
			pi := b.propertyIndex(m.Key)
			if pi < 0 {
				out = append(out, b.unknownProperty(m, entity.Pointer("properties", m.Key)))
				continue
			}
			if m.Value.Kind == entity.KindNull {
				continue // null clears a value in Port
			}
			out = b.pitfalls(out, &pitfallAt, m)
			if s := b.enums[m.Key]; s != nil {
				out = append(out, s.check(m.Key, m.Value)...)
			}
			b.checks[pi].check(m.Key, m.Value, &w)
			for _, p := range b.unchecked[m.Key] {
				out = append(out, Issue{Node: m.Value, Pointer: entity.Pointer("properties", m.Key), Rule: "pattern-unchecked", Warning: true,
					Message: fmt.Sprintf("pattern %q of property %q not checked locally: Go's regexp cannot compile it (Port still checks it)", p, m.Key)})
			}
		}
	}
	for _, r := range b.Required {
		v := get(r)
		switch {
		case v != nil && v.Kind == entity.KindNull:
			out = append(out, issue(v, entity.Pointer("properties", r), "required-property", "required property %q is null", r))
		case v == nil && b.hasDefault[r]:
			w := issue(missingAt, missingPtr, "required-property", "required property %q is missing; Port may fill in its default", r)
			w.Warning = true
			out = append(out, w)
		case v == nil:
			out = append(out, issue(missingAt, missingPtr, "required-property", "missing required property %q", r))
		}
	}
	for _, f := range w.out {
		if f.rule == "type" && pitfallAt[f.at] {
			continue
		}
		ptr := entity.Pointer(append([]string{"properties"}, f.loc...)...)
		out = append(out, issue(f.at, ptr, f.rule, "%s: %s", displayPath(f.loc), f.msg))
	}
	return out
}

// pitfalls appends the yaml-ambiguous-scalar findings of a property's value
// (and of its items, for an array property) to out, and notes where they
// are in at. JSON values never have any.
func (b *Blueprint) pitfalls(out []Issue, at *map[*entity.Value]bool, m entity.Member) []Issue {
	// index is -1 for the value itself, else the item's; the pointer is
	// written only for a finding.
	one := func(v *entity.Value, types []string, index int) {
		if v.Ambiguity == entity.AmbiguityNone {
			return
		}
		if msg := entity.ScalarPitfall(v, types); msg != "" {
			if *at == nil {
				*at = map[*entity.Value]bool{}
			}
			(*at)[v] = true
			ptr := entity.Pointer("properties", m.Key)
			if index >= 0 {
				ptr += "/" + strconv.Itoa(index)
			}
			out = append(out, Issue{Node: v, Pointer: ptr, Rule: entity.RuleYAMLAmbiguousScalar, Message: fmt.Sprintf("%s: %s", m.Key, msg)})
		}
	}
	if m.Value.Ambiguity != entity.AmbiguityNone {
		one(m.Value, b.types[m.Key], -1)
	}
	if m.Value.Kind == entity.KindArray {
		for i, el := range m.Value.Elems {
			if el.Ambiguity != entity.AmbiguityNone {
				one(el, b.itemTypes[m.Key], i)
			}
		}
	}
	return out
}

func (b *Blueprint) unknownProperty(m entity.Member, ptr string) Issue {
	keyNode := &entity.Value{Kind: entity.KindString, Str: m.Key, Pos: m.KeyPos}
	if kind, ok := b.Computed[m.Key]; ok {
		return issue(keyNode, ptr, "computed-property",
			"%q is a %s property of blueprint %q: Port computes it, so an entity cannot set it (remove it)", m.Key, kind, b.ID)
	}
	msg := fmt.Sprintf("unknown property %q: blueprint %q has no such property", m.Key, b.ID)
	if s := entity.Suggest(m.Key, b.Properties); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	} else if len(b.Properties) == 0 {
		msg += " (it has no properties)"
	}
	return issue(keyNode, ptr, "unknown-property", "%s", msg)
}

// relationNames returns the relation identifiers, sorted: those Parse noted,
// or, for a Blueprint made otherwise, worked out anew.
func (b *Blueprint) relationNames() []string {
	if b.relNames != nil || len(b.Relations) == 0 {
		return b.relNames
	}
	names := make([]string, 0, len(b.Relations))
	for k := range b.Relations {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func (b *Blueprint) checkRelations(e *entity.Entity) []Issue {
	var out []Issue
	rels := e.Node.Get("relations")
	if rels != nil && rels.Kind == entity.KindNull {
		rels = nil
	}
	if rels != nil && rels.Kind != entity.KindObject {
		return []Issue{issue(rels, "/relations", "entity-shape", "relations must be an object, got %s", kindName(rels))}
	}
	if rels != nil {
		for _, m := range rels.Members {
			def, ok := b.Relations[m.Key]
			if !ok {
				keyNode := &entity.Value{Kind: entity.KindString, Str: m.Key, Pos: m.KeyPos}
				msg := fmt.Sprintf("unknown relation %q: blueprint %q has no such relation", m.Key, b.ID)
				if s := entity.Suggest(m.Key, b.relationNames()); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				} else if len(b.Relations) == 0 {
					msg += " (it has no relations)"
				}
				out = append(out, issue(keyNode, entity.Pointer("relations", m.Key), "unknown-relation", "%s", msg))
				continue
			}
			out = append(out, checkRelationValue(m.Key, def, m.Value)...)
		}
	}
	for _, name := range b.relationNames() {
		def := b.Relations[name]
		if !def.Required {
			continue
		}
		v := rels.Get(name)
		ok := v != nil
		switch {
		case !ok && rels == nil:
			out = append(out, issue(e.Node, "", "required-relation", "missing required relation %q (to %s)", name, def.Target))
		case !ok:
			out = append(out, issue(rels, "/relations", "required-relation", "missing required relation %q (to %s)", name, def.Target))
		case v.Kind == entity.KindNull || v.Kind == entity.KindArray && len(v.Elems) == 0:
			out = append(out, issue(v, entity.Pointer("relations", name), "required-relation", "required relation %q is empty", name))
		}
	}
	return out
}

func checkRelationValue(name string, def Relation, v *entity.Value) []Issue {
	ptr := func() string { return entity.Pointer("relations", name) }
	// index is -1 for the value itself, else the item's; the pointer is
	// written only for a finding.
	checkID := func(n *entity.Value, index int) []Issue {
		p := func() string {
			if index < 0 {
				return ptr()
			}
			return ptr() + "/" + strconv.Itoa(index)
		}
		if n.Kind != entity.KindString {
			return []Issue{issue(n, p(), "relation-value", "relation %q takes entity identifiers of %s, got %s", name, def.Target, kindName(n))}
		}
		if err := CheckIdentifier(n.Str); err != nil {
			return []Issue{issue(n, p(), "identifier", "relation %q: %v", name, err)}
		}
		if n.Ambiguity != entity.AmbiguityNone {
			if msg := entity.ScalarPitfall(n, []string{"string"}); msg != "" {
				return []Issue{issue(n, p(), entity.RuleYAMLAmbiguousScalar, "relation %q: %s", name, msg)}
			}
		}
		return nil
	}
	switch {
	case v.Kind == entity.KindNull:
		return nil
	case isSearchQuery(v):
		return nil // Port resolves a search query itself
	case def.Many && v.Kind == entity.KindArray:
		var out []Issue
		for i, el := range v.Elems {
			out = append(out, checkID(el, i)...)
		}
		return out
	case def.Many:
		return []Issue{issue(v, ptr(), "relation-value", "relation %q is many: true: it takes an array of identifiers of %s, got %s", name, def.Target, kindName(v))}
	case v.Kind == entity.KindArray:
		return []Issue{issue(v, ptr(), "relation-value", "relation %q is many: false: it takes one identifier of %s or null, got an array", name, def.Target)}
	default:
		return checkID(v, -1)
	}
}

// isSearchQuery reports whether v is a Port search query ({combinator, rules}),
// which Port accepts in place of identifiers.
func isSearchQuery(v *entity.Value) bool {
	if v.Kind != entity.KindObject {
		return false
	}
	r := v.Get("rules")
	return r != nil && r.Kind == entity.KindArray && v.Get("combinator") != nil
}

func kindName(v *entity.Value) string {
	switch v.Kind {
	case entity.KindNull:
		return "null"
	case entity.KindBool:
		return "a boolean"
	case entity.KindNumber:
		return "a number"
	case entity.KindString:
		return "a string"
	case entity.KindArray:
		return "an array"
	default:
		return "an object"
	}
}

func displayPath(loc []string) string {
	if len(loc) == 0 {
		return "properties"
	}
	var b strings.Builder
	b.WriteString(loc[0])
	for _, t := range loc[1:] {
		if isIndex(t) {
			fmt.Fprintf(&b, "[%s]", t)
		} else {
			b.WriteString("." + t)
		}
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func ratText(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() && r.Num().BitLen() <= 64 {
		return r.Num().String()
	}
	if f, exact := r.Float64(); exact || (f != 0 && !math.IsInf(f, 0) && math.Abs(f) >= 1e-300) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	// Beyond float64 (1e400 written in a file): short scientific notation,
	// never a 400-digit number in a message.
	return new(big.Float).SetRat(r).Text('g', 10)
}

func jsonText(v any) string {
	switch t := v.(type) {
	case string:
		return fmt.Sprintf("%q", t)
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprint(v)
}
