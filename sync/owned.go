package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// portEntities returns the entities of a blueprint in Port by identifier,
// reading them (1,000 a page) once per run.
func (s *syncer) portEntities(ctx context.Context, bp string) (map[string]json.RawMessage, error) {
	if got, ok := s.inPort[bp]; ok {
		return got, nil
	}
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
		return nil, err
	}
	if s.inPort == nil {
		s.inPort = map[string]map[string]json.RawMessage{}
	}
	s.inPort[bp] = inPort
	return inPort, nil
}

// ownedExtras lists, for a full sync with prune, the entities of the
// blueprints the configuration owns (owns:) that Port has and no file at
// HEAD defines, behind prune's guards: never when no file at HEAD matches
// the configuration, never one that a file which does not parse, or holds
// an invalid entity, may define (those are held and reported).
func (s *syncer) ownedExtras(ctx context.Context, c *collection, cands map[Key]Item, files int) ([]Item, error) {
	var extras []Item
	for _, bp := range s.cfg.Owns {
		inPort, err := s.portEntities(ctx, bp)
		if err != nil {
			return nil, fmt.Errorf("read the entities of %s in Port, to prune what no file defines (owns: %s): %w", bp, bp, err)
		}
		found := map[Key]Item{}
		for _, id := range slices.Sorted(maps.Keys(inPort)) {
			k := Key{bp, id}
			if _, ok := c.news[k]; ok || c.held[k] {
				continue
			}
			if _, ok := cands[k]; ok {
				continue
			}
			found[k] = Item{Key: k}
		}
		c.holdNamed(found) // held ones are reported with the others
		for _, k := range slices.SortedFunc(maps.Keys(found), compareKeys) {
			extras = append(extras, found[k])
		}
	}
	if len(extras) > 0 && files == 0 {
		return nil, fmt.Errorf("refusing to prune %d entities of owned blueprints: no file at HEAD matches the configuration's entity rules (an empty checkout or a glob that matches nothing would delete the catalog)", len(extras))
	}
	return extras, nil
}
