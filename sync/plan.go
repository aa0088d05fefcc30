package sync

import (
	"cmp"
	"encoding/json"
	"slices"
	"sort"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/entitydiff"
)

// Key identifies an entity in Port.
type Key struct {
	Blueprint  string
	Identifier string
}

func (k Key) String() string { return k.Blueprint + "/" + k.Identifier }

// Item is one entity as found in a file at one commit.
type Item struct {
	Key
	File   string
	Line   int
	Column int
	// Body is what Port receives: the entity object without its "blueprint"
	// key, keys sorted, numbers exactly as written.
	Body json.RawMessage
	// Targets are the entities its relations point at.
	Targets []Key
	// Paths are the git paths of the files that define it: at the base,
	// at HEAD, or both (what the sync state's pending record keeps).
	Paths []string
}

// Plan is what a sync will do.
type Plan struct {
	Upserts []Item // sorted by blueprint, identifier
	Deletes []Item // entities gone at HEAD (sent only with --prune)
	// Unchanged counts, per blueprint, the entities of changed files whose
	// content did not change.
	Unchanged map[string]int
}

// body renders an entity for Port, and lists its relation targets using the
// blueprint's relation definitions (nil bp: no targets).
func body(n *entity.Value, bp *blueprint.Blueprint) (json.RawMessage, []Key, error) {
	raw, err := entitydiff.Body(n)
	if err != nil {
		return nil, nil, err
	}
	var targets []Key
	if rels := n.Get("relations"); rels != nil && rels.Kind == entity.KindObject && bp != nil {
		for _, m := range rels.Members {
			def, ok := bp.Relations[m.Key]
			if !ok {
				continue
			}
			switch v := m.Value; v.Kind {
			case entity.KindString:
				targets = append(targets, Key{def.Target, v.Str})
			case entity.KindArray:
				for _, el := range v.Elems {
					if el.Kind == entity.KindString {
						targets = append(targets, Key{def.Target, el.Str})
					}
				}
			}
		}
	}
	slices.SortFunc(targets, compareKeys)
	return raw, slices.Compact(targets), nil
}

func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.Blueprint, b.Blueprint), cmp.Compare(a.Identifier, b.Identifier))
}

// waves orders upserts so that relation targets go before the entities that
// point at them: each wave may be sent in parallel once the previous waves
// are done. Entities on a relation cycle cannot be ordered; they go together
// in one wave marked cyclic, to be sent with create_missing_related_entities.
type wave struct {
	items  []Item
	cyclic bool
}

func orderWaves(items []Item) []wave {
	index := map[Key]int{}
	for i, it := range items {
		index[it.Key] = i
	}
	// Tarjan's strongly connected components over "depends on" edges between
	// entities of this sync; targets outside it are already in Port (or not,
	// which Port will say).
	n := len(items)
	idx := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range idx {
		idx[i] = -1
	}
	var stack []int
	comp := make([]int, n)
	var comps [][]int
	counter := 0
	var strong func(v int)
	strong = func(v int) {
		idx[v], low[v] = counter, counter
		counter++
		stack = append(stack, v)
		onStack[v] = true
		for _, t := range items[v].Targets {
			w, ok := index[t]
			if !ok {
				continue
			}
			if idx[w] < 0 {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], idx[w])
			}
		}
		if low[v] == idx[v] {
			var c []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp[w] = len(comps)
				c = append(c, w)
				if w == v {
					break
				}
			}
			comps = append(comps, c)
		}
	}
	for v := range items {
		if idx[v] < 0 {
			strong(v)
		}
	}
	// Tarjan emits components targets-first; the depth of a component is one
	// more than the deepest component it depends on.
	depth := make([]int, len(comps))
	cyclic := make([]bool, len(comps))
	for ci, c := range comps {
		if len(c) > 1 {
			cyclic[ci] = true
		}
		for _, v := range c {
			for _, t := range items[v].Targets {
				w, ok := index[t]
				if !ok {
					continue
				}
				if comp[w] == ci {
					cyclic[ci] = true // includes an entity pointing at itself
					continue
				}
				depth[ci] = max(depth[ci], depth[comp[w]]+1)
			}
		}
	}
	maxDepth := 0
	for _, d := range depth {
		maxDepth = max(maxDepth, d)
	}
	var out []wave
	for d := 0; d <= maxDepth; d++ {
		var plain, cyc []Item
		for ci, c := range comps {
			if depth[ci] != d {
				continue
			}
			for _, v := range c {
				if cyclic[ci] {
					cyc = append(cyc, items[v])
				} else {
					plain = append(plain, items[v])
				}
			}
		}
		sortItems := func(s []Item) { sort.Slice(s, func(i, j int) bool { return compareKeys(s[i].Key, s[j].Key) < 0 }) }
		if len(plain) > 0 {
			sortItems(plain)
			out = append(out, wave{items: plain})
		}
		if len(cyc) > 0 {
			sortItems(cyc)
			out = append(out, wave{items: cyc, cyclic: true})
		}
	}
	return out
}
