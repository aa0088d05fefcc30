package sync

import (
	"encoding/json"

	"github.com/port-gitops/port-gitops/internal/entitydiff"
	"github.com/port-gitops/port-gitops/internal/report"
)

// planEntries lists, for a dry run, each entity to create, update or
// delete, with the fields that change: against the entity Port holds when
// Port was read (a first sync, --full, a pull request with credentials),
// else against what the base commit defines.
func (s *syncer) planEntries(plan Plan, old map[Key]Item, res *report.SyncResult) {
	for _, it := range plan.Upserts {
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
		res.Plan = append(res.Plan, e)
	}
	if s.prune {
		for _, it := range plan.Deletes {
			res.Plan = append(res.Plan, report.PlanEntry{Action: "delete", Blueprint: it.Blueprint, Identifier: it.Identifier, File: it.File, Line: it.Line, Column: it.Column})
		}
	}
}
