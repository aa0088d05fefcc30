package sync

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/port-gitops/port-gitops/internal/entitydiff"
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
		inPort, err := s.portEntities(ctx, bp)
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
			if entitydiff.Same(it.Body, raw, def, s.opts.Merge) {
				plan.Unchanged[it.Blueprint]++
				continue
			}
			keep = append(keep, it)
		}
	}
	plan.Upserts = keep
	return nil
}
