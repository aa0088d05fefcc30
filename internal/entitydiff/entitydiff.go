// Package entitydiff compares an entity as git defines it with the entity
// Port holds, by Port's notion of equality, and says which fields differ:
// sync uses it to send only what differs, drift to report what changed in
// Port, the pull-request plan to show what a sync would change.
//
// It is pure: it reads nothing, prints nothing and talks to no server.
package entitydiff

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/entity"
)

// Change is one field that differs. Field is "title", "icon", "team",
// "properties.<name>" or "relations.<name>"; Old is Port's value and New
// git's (nil for unset or null), as decoded JSON with numbers as
// json.Number.
type Change struct {
	Field string
	Old   any
	New   any
}

// Same reports whether Port's entity (as its API returns it) already is
// what body (what sync would send) makes it: Diff found nothing and could
// compare everything.
func Same(body, port json.RawMessage, bp *blueprint.Blueprint, merge bool) bool {
	changes, ok := Diff(body, port, bp, merge)
	return ok && len(changes) == 0
}

// Diff lists the fields in which Port's entity differs from body, by Port's
// equality: a property or relation Port returns as null and one the file
// does not set are the same, team: [] and no team are the same, a team
// string is a one-team list, many-relations (as bp defines them; nil bp:
// none) and teams compare as sets, numbers by value. With merge, only what
// body sets is compared. ok is false when body holds something this
// comparison does not cover (an unknown top-level key, a team query, JSON
// it cannot read): the entity must then be taken as different, whatever
// changes lists.
func Diff(body, port json.RawMessage, bp *blueprint.Blueprint, merge bool) (changes []Change, ok bool) {
	var b, p map[string]any
	if Decode(body, &b) != nil || Decode(port, &p) != nil {
		return nil, false
	}
	ok = true
	for k := range b {
		switch k {
		case "identifier", "title", "icon", "team", "properties", "relations":
		default:
			ok = false // a field Port's equality here does not cover
		}
	}
	if !equalValue(b["identifier"], p["identifier"]) {
		changes = append(changes, Change{"identifier", p["identifier"], b["identifier"]})
	}
	for _, k := range []string{"title", "icon"} {
		if _, set := b[k]; (set || !merge) && !equalValue(b[k], p[k]) {
			changes = append(changes, Change{k, p[k], b[k]})
		}
	}
	if _, set := b["team"]; set || !merge {
		bt, okb := teams(b["team"])
		pt, okp := teams(p["team"])
		if !okb || !okp {
			ok = false
		}
		if !okb || !okp || !equalSet(bt, pt) {
			changes = append(changes, Change{"team", p["team"], b["team"]})
		}
	}
	bProps, _ := b["properties"].(map[string]any)
	pProps, _ := p["properties"].(map[string]any)
	changes = append(changes, members("properties", bProps, pProps, merge, func(string) bool { return false })...)
	bRels, _ := b["relations"].(map[string]any)
	pRels, _ := p["relations"].(map[string]any)
	many := func(name string) bool {
		if bp == nil {
			return false
		}
		r, ok := bp.Relations[name]
		return ok && r.Many
	}
	changes = append(changes, members("relations", bRels, pRels, merge, many)...)
	return changes, ok
}

// Decode reads JSON with numbers as json.Number.
func Decode(raw json.RawMessage, out any) error {
	// An object into an empty map, the common case, goes through the
	// entity parser, whose tree gives what encoding/json would (it is
	// stricter: invalid UTF-8, lone surrogates, deep nesting and trailing
	// data are errors there, and left to encoding/json here). Five to ten
	// times faster; FuzzDecode checks they agree.
	if m, ok := out.(*map[string]any); ok && *m == nil {
		if v, _, err := entity.Parse(raw); err == nil && v.Kind == entity.KindObject {
			*m = v.Interface().(map[string]any)
			return nil
		}
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(out)
}

// members compares two properties or relations objects: a missing key is
// null; a many relation's null, missing and [] are the same, and its
// identifiers compare as a set. With merge, keys body does not set are not
// compared. Changes come sorted by name.
func members(kind string, b, p map[string]any, merge bool, isSet func(string) bool) []Change {
	var out []Change
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if !equalMember(b[k], p[k], isSet(k)) {
			out = append(out, Change{kind + "." + k, p[k], b[k]})
		}
	}
	if merge {
		return out
	}
	var more []Change
	for _, k := range slices.Sorted(maps.Keys(p)) {
		if _, ok := b[k]; !ok && !equalMember(nil, p[k], isSet(k)) {
			more = append(more, Change{kind + "." + k, p[k], nil})
		}
	}
	if len(more) > 0 {
		out = append(out, more...)
		slices.SortFunc(out, func(x, y Change) int {
			switch {
			case x.Field < y.Field:
				return -1
			case x.Field > y.Field:
				return 1
			}
			return 0
		})
	}
	return out
}

func equalMember(b, p any, set bool) bool {
	if set {
		bs, ok1 := stringsOf(b)
		ps, ok2 := stringsOf(p)
		if ok1 && ok2 {
			return equalSet(bs, ps)
		}
	}
	return equalValue(b, p)
}

// stringsOf reads null or a list of strings.
func stringsOf(v any) ([]string, bool) {
	switch t := v.(type) {
	case nil:
		return nil, true
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// teams reads an entity's team: a string is one team, null or missing
// none. ok is false for anything else (a search query): never equal.
func teams(v any) ([]string, bool) {
	switch t := v.(type) {
	case string:
		return []string{t}, true
	case []any:
		out := []string{}
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	case nil:
		return nil, true
	}
	return nil, false
}

func equalSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// Equal compares decoded JSON values, numbers by value (1 and 1.0 are the
// same, as they are to Port).
func Equal(a, b any) bool { return equalValue(a, b) }

func equalValue(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		// Port keeps numbers as double-precision floats. (Not big.Rat: a
		// hostile 1e999999999 would cost minutes.)
		fx, err1 := strconv.ParseFloat(string(x), 64)
		fy, err2 := strconv.ParseFloat(string(y), 64)
		return err1 == nil && err2 == nil && fx == fy
	case string, bool:
		return a == b
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalValue(v, w) {
				return false
			}
		}
		return true
	}
	return false
}
