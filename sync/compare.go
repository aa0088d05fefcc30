package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/port-gitops/port-gitops/internal/blueprint"
)

// dropEqualToPort takes out of plan.Upserts the entities that Port already
// holds as HEAD defines them, counting them as unchanged, and marks in old
// those Port has at all (so a dry run counts them as updates, not
// creations). It runs when a sync has no base to compare with (the first
// sync, --full, a pending "everything"): instead of upserting every entity
// it reads the entities of the blueprints involved, 1,000 a page.
func (s *syncer) dropEqualToPort(ctx context.Context, plan *Plan, old map[Key]Item) error {
	if len(plan.Upserts) == 0 {
		return nil
	}
	byBP := map[string][]Item{}
	for _, it := range plan.Upserts {
		byBP[it.Blueprint] = append(byBP[it.Blueprint], it)
	}
	var keep []Item
	for _, bp := range slices.Sorted(maps.Keys(byBP)) {
		inPort := map[string]json.RawMessage{}
		err := s.client.SearchEntities(ctx, bp, nil, func(raw json.RawMessage) error {
			var e struct {
				Identifier string `json:"identifier"`
			}
			if json.Unmarshal(raw, &e) == nil && e.Identifier != "" {
				inPort[e.Identifier] = raw
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read the entities of %s in Port, to send only those that differ: %w", bp, err)
		}
		def, _ := s.cache.Get(bp)
		for _, it := range byBP[bp] {
			raw, ok := inPort[it.Identifier]
			if !ok {
				keep = append(keep, it)
				continue
			}
			if _, known := old[it.Key]; !known {
				old[it.Key] = Item{Key: it.Key}
			}
			if samePort(it.Body, raw, def, s.opts.Merge) {
				plan.Unchanged[it.Blueprint]++
				continue
			}
			keep = append(keep, it)
		}
	}
	plan.Upserts = keep
	return nil
}

// samePort reports whether Port's entity (as its API returns it) already is
// what body (what sync would send) makes it, by Port's equality: a property
// or relation Port returns as null and one the file does not set are the
// same, team: [] and no team are the same, a team string is a one-team
// list, many-relations and teams compare as sets, and numbers by value.
// With merge, only what body sets is compared. Anything it does not
// understand counts as different, so the entity is sent.
func samePort(body, port json.RawMessage, bp *blueprint.Blueprint, merge bool) bool {
	var b, p map[string]any
	if decode(body, &b) != nil || decode(port, &p) != nil {
		return false
	}
	for k := range b {
		switch k {
		case "identifier", "title", "icon", "team", "properties", "relations":
		default:
			return false // a field Port's equality here does not cover
		}
	}
	if !equalValue(b["identifier"], p["identifier"]) {
		return false
	}
	for _, k := range []string{"title", "icon"} {
		if _, set := b[k]; (set || !merge) && !equalValue(b[k], p[k]) {
			return false
		}
	}
	if _, set := b["team"]; (set || !merge) && !equalSet(teams(b["team"]), teams(p["team"])) {
		return false
	}
	bProps, _ := b["properties"].(map[string]any)
	pProps, _ := p["properties"].(map[string]any)
	if !equalMembers(bProps, pProps, merge, func(string) bool { return false }) {
		return false
	}
	bRels, _ := b["relations"].(map[string]any)
	pRels, _ := p["relations"].(map[string]any)
	many := func(name string) bool {
		if bp == nil {
			return false
		}
		r, ok := bp.Relations[name]
		return ok && r.Many
	}
	return equalMembers(bRels, pRels, merge, many)
}

func decode(raw json.RawMessage, out any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(out)
}

// equalMembers compares two properties or relations objects: a missing key
// is null; a many relation's null, missing and [] are the same, and its
// identifiers compare as a set. With merge, keys body does not set are not
// compared.
func equalMembers(b, p map[string]any, merge bool, isSet func(string) bool) bool {
	for k, bv := range b {
		if !equalMember(bv, p[k], isSet(k)) {
			return false
		}
	}
	if merge {
		return true
	}
	for k, pv := range p {
		if _, ok := b[k]; !ok && !equalMember(nil, pv, isSet(k)) {
			return false
		}
	}
	return true
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

// teams reads an entity's team: a string is one team, null or missing none.
func teams(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := []string{}
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			} else {
				return []string{"\x00not a team list"}
			}
		}
		return out
	case nil:
		return nil
	}
	return []string{"\x00not a team list"} // a search query: never equal
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

// equalValue compares decoded JSON values, numbers by value (1 and 1.0 are
// the same, as they are to Port).
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
