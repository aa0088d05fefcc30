package sync

import (
	"bytes"
	"testing"

	"github.com/port-gitops/port-gitops/internal/report"
)

// TestShowsPlan: a format prints a dry run's plan entries exactly when
// showsPlan says so, so that leaving the plan out for the others loses
// nothing they print.
func TestShowsPlan(t *testing.T) {
	for _, format := range report.SyncFormats {
		render := func(plan []report.PlanEntry) string {
			res := &report.SyncResult{DryRun: true, Plan: plan}
			var b bytes.Buffer
			if err := report.RenderSync(&b, format, res, report.Options{}); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}
		entry := report.PlanEntry{Action: "update", Blueprint: "service", Identifier: "svc-plan-1", File: "svc.json", Line: 1, Column: 1,
			Fields: []report.PlanField{{Field: "title", Old: "a", New: "b"}}}
		prints := render(nil) != render([]report.PlanEntry{entry})
		if prints != showsPlan[format] {
			t.Errorf("format %s: prints the plan: %v; showsPlan: %v", format, prints, showsPlan[format])
		}
	}
}
