package sync

import (
	"encoding/json"
	"runtime"

	"github.com/port-gitops/port-gitops/internal/entitydiff"
	"github.com/port-gitops/port-gitops/internal/parallel"
	"github.com/port-gitops/port-gitops/internal/report"
)

// planEntries lists, for a dry run, each entity to create, update or
// delete, with the fields that change: against the entity Port holds when
// Port was read (a first sync, --full, a pull request with credentials),
// else against what the base commit defines. The entities are compared in
// parallel (decoding both sides is most of a dry run's cost after the
// reading); the list keeps the plan's order.
func (s *syncer) planEntries(plan Plan, old map[Key]Item, res *report.SyncResult) {
	entries := make([]report.PlanEntry, len(plan.Upserts))
	one := func(i int) {
		it := plan.Upserts[i]
		e := report.PlanEntry{Action: "create", Blueprint: it.Blueprint, Identifier: it.Identifier, File: it.File, Line: it.Line, Column: it.Column}
		before := json.RawMessage(nil)
		if raw, ok := s.inPort[it.Blueprint][it.Identifier]; ok {
			before = raw
		} else if o, ok := old[it.Key]; ok && len(o.Body) > 0 {
			before = o.Body
		}
		if _, known := old[it.Key]; known || before != nil {
			e.Action = "update"
		}
		if before == nil {
			b, _ := json.Marshal(map[string]string{"identifier": it.Identifier})
			before = b
		}
		def, _ := s.cache.Get(it.Blueprint)
		changes, _ := entitydiff.Diff(it.Body, before, def, s.opts.Merge)
		for _, ch := range changes {
			e.Fields = append(e.Fields, report.PlanField{Field: ch.Field, Old: ch.Old, New: ch.New})
		}
		entries[i] = e
	}
	parallel.For(len(entries), min(runtime.GOMAXPROCS(0), len(entries)/64+1), one)
	res.Plan = append(res.Plan, entries...)
	if s.prune {
		for _, it := range plan.Deletes {
			res.Plan = append(res.Plan, report.PlanEntry{Action: "delete", Blueprint: it.Blueprint, Identifier: it.Identifier, File: it.File, Line: it.Line, Column: it.Column})
		}
	}
}
