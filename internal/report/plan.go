package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// PlanEntry is one entity a sync would create, update or delete, with the
// fields that change (Old is what Port holds, or the base commit defines
// when Port was not asked; New what the branch defines; nil is unset).
type PlanEntry struct {
	Action     string      `json:"action"` // create, update or delete
	Blueprint  string      `json:"blueprint"`
	Identifier string      `json:"identifier"`
	File       string      `json:"file,omitempty"`
	Line       int         `json:"line,omitempty"`
	Column     int         `json:"column,omitempty"`
	Fields     []PlanField `json:"fields,omitempty"`
}

// PlanField is one field of a PlanEntry that changes.
type PlanField struct {
	Field string `json:"field"`
	Old   any    `json:"old"`
	New   any    `json:"new"`
}

// MaxCommentBytes is GitHub's limit on a pull-request comment (65,536
// characters); PlanMarkdown stays below it, whatever the plan.
const MaxCommentBytes = 65_536

// planBudget leaves room under MaxCommentBytes for the closing lines and
// for a CI job's own header around the plan.
const planBudget = MaxCommentBytes - 4_096

// ShortValue shows a value in one line: JSON, cut at 80 characters;
// "(unset)" for nil.
func ShortValue(v any) string {
	if v == nil {
		return "(unset)"
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSpace(buf.String())
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:77]) + "..."
	}
	return s
}

// MarkdownCode writes s as inline code that cannot end early or break a
// table: backticks become ', line breaks spaces, pipes are escaped.
func MarkdownCode(s string) string {
	return "`" + strings.NewReplacer("\r", " ", "\n", " ", "`", "'", "|", `\|`).Replace(s) + "`"
}

// PlanMarkdown renders a dry run as a pull-request comment: the verdict,
// counts per blueprint, then each entity to create, update (the fields
// that change, old → new) and delete, what Port rejected and the invalid
// files. A long plan is cut, entity by entity, under GitHub's comment
// limit, with a count of what was left out.
func PlanMarkdown(r *SyncResult) string {
	var b strings.Builder
	b.WriteString("## port-gitops plan\n\n")
	if n := len(r.Invalid); n > 0 {
		fmt.Fprintf(&b, "❌ %s in the entity files: those entities are not synced until fixed.\n", plural(n, "finding", "findings"))
	}
	if n := len(r.Held); n > 0 {
		fmt.Fprintf(&b, "❌ %s held: an invalid file at HEAD may define them; neither sent nor deleted until it is fixed.\n", plural(n, "entity is", "entities are"))
	}
	switch {
	case r.Offline:
		b.WriteString("⚠️ Port did not validate this plan (no credentials): checked offline only.\n")
	case len(r.Failures) > 0:
		fmt.Fprintf(&b, "❌ Port rejects %s of this plan.\n", plural(len(r.Failures), "entity", "entities"))
	case r.PortValidated:
		b.WriteString("✅ Port accepts every upsert of this plan (validation only: nothing was written).\n")
	default:
		b.WriteString("✅ Nothing for Port to validate.\n")
	}
	b.WriteByte('\n')
	if r.Base != "" {
		fmt.Fprintf(&b, "Compared %s with %s (%s)", MarkdownCode(short(r.Head)), MarkdownCode(short(r.Base)), mdEscape(r.BaseSource))
	} else if r.Head != "" {
		fmt.Fprintf(&b, "Every entity file at %s (%s)", MarkdownCode(short(r.Head)), mdEscape(r.BaseSource))
	}
	if r.ComparedWithPort {
		b.WriteString(", and with the entities Port holds now")
	}
	b.WriteString(".\n\n")
	if len(r.Blueprints) > 0 {
		b.WriteString("| blueprint | create | update | delete | unchanged | not deleted | invalid | rejected |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, c := range append(append([]SyncCounts(nil), r.Blueprints...), totalsRow(r)) {
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d |\n", mdEscape(c.Blueprint), c.Created, c.Updated, c.Deleted, c.Unchanged, c.NotDeleted, c.Invalid, c.Failed)
		}
		b.WriteByte('\n')
	} else {
		b.WriteString("No entity changes.\n\n")
	}
	// The sections, entity by entity, until the budget is spent.
	var tail strings.Builder
	if len(r.Failures) > 0 {
		tail.WriteString("### Rejected by Port\n\n")
		for _, f := range r.Failures {
			fmt.Fprintf(&tail, "- %s %s: %s", f.Action, MarkdownCode(f.Blueprint+"/"+f.Identifier), mdEscape(oneLine(f.Message)))
			if f.TraceID != "" {
				fmt.Fprintf(&tail, " (trace id %s)", MarkdownCode(f.TraceID))
			}
			tail.WriteByte('\n')
		}
		tail.WriteByte('\n')
	}
	if len(r.Invalid) > 0 {
		tail.WriteString("### Invalid (not sent)\n\n")
		for _, f := range r.Invalid {
			fmt.Fprintf(&tail, "- %s %s [%s]\n", MarkdownCode(fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Column)), mdEscape(oneLine(f.Message)), f.Rule)
		}
		tail.WriteByte('\n')
	}
	if len(r.NotDeleted) > 0 {
		fmt.Fprintf(&tail, "Gone from git, not deleted without `--prune`: %s\n\n", mdEscape(strings.Join(r.NotDeleted, ", ")))
	}
	budget := planBudget - b.Len()
	if tail.Len() > budget/2 {
		t := tail.String()
		cut := strings.LastIndex(t[:budget/2], "\n")
		tail.Reset()
		tail.WriteString(t[:cut+1] + "\n(the list goes on: see the job's log)\n\n")
	}
	budget -= tail.Len()
	left, leftFields := 0, 0
	for _, action := range []struct{ name, title string }{{"create", "Create"}, {"update", "Update"}, {"delete", "Delete"}} {
		var ents []PlanEntry
		for _, e := range r.Plan {
			if e.Action == action.name {
				ents = append(ents, e)
			}
		}
		if len(ents) == 0 {
			continue
		}
		head := fmt.Sprintf("### %s (%d)\n\n", action.title, len(ents))
		wroteHead := false
		for _, e := range ents {
			block := planBlock(e)
			need := len(block)
			if !wroteHead {
				need += len(head)
			}
			if left > 0 || need > budget {
				left++
				leftFields += len(e.Fields)
				continue
			}
			if !wroteHead {
				b.WriteString(head)
				wroteHead = true
			}
			b.WriteString(block)
			budget -= need
		}
		if wroteHead {
			b.WriteByte('\n')
		}
	}
	if left > 0 {
		fmt.Fprintf(&b, "**%s not shown** (%d changed fields): the comment would pass GitHub's limit of 65,536 characters; `port-gitops sync --dry-run` shows them all.\n\n", plural(left, "entity", "entities"), leftFields)
	}
	b.WriteString(tail.String())
	return b.String()
}

func planBlock(e PlanEntry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- %s", MarkdownCode(e.Blueprint+"/"+e.Identifier))
	if e.File != "" {
		fmt.Fprintf(&b, " %s", MarkdownCode(fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)))
	}
	b.WriteByte('\n')
	if len(e.Fields) > 0 {
		b.WriteString("\n  | field | old | new |\n  |---|---|---|\n")
		for _, f := range e.Fields {
			fmt.Fprintf(&b, "  | %s | %s | %s |\n", MarkdownCode(f.Field), MarkdownCode(ShortValue(f.Old)), MarkdownCode(ShortValue(f.New)))
		}
		b.WriteByte('\n')
	}
	return b.String()
}
