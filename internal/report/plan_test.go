package report

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// A plan too long for one comment is cut, entity by entity, under
// GitHub's limit, and says how much was left out.
func TestPlanMarkdownIsCutUnderTheCommentLimit(t *testing.T) {
	r := &SyncResult{DryRun: true, Head: "h", Base: "b", PortValidated: true}
	for i := range 3000 {
		e := PlanEntry{Action: "update", Blueprint: "service", Identifier: fmt.Sprintf("s%04d", i), File: "f.json", Line: 1, Column: 1}
		for j := range 3 {
			e.Fields = append(e.Fields, PlanField{Field: fmt.Sprintf("properties.p%d", j), Old: strings.Repeat("ö", 100), New: "x|`y`"})
		}
		r.Plan = append(r.Plan, e)
	}
	r.Blueprints = []SyncCounts{{Blueprint: "service", Updated: 3000}}
	md := PlanMarkdown(r)
	if n := utf8.RuneCountInString(md); n >= MaxCommentBytes || len(md) >= MaxCommentBytes {
		t.Fatalf("%d characters, %d bytes: over GitHub's comment limit", n, len(md))
	}
	shown := strings.Count(md, "- `service/s")
	if shown == 0 || shown == 3000 {
		t.Fatalf("%d entities shown", shown)
	}
	if want := fmt.Sprintf("**%d entities not shown** (%d changed fields)", 3000-shown, 3*(3000-shown)); !strings.Contains(md, want) {
		t.Errorf("no count of what was left out (want %q):\n%s", want, md[len(md)-500:])
	}
	if strings.Contains(md, "x|`y`") {
		t.Error("a value's pipe or backtick is not escaped")
	}
}
