package drift

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/report"
)

func render(opts Options, cfg *config.Config, res *Result) error {
	w := opts.IO.Out
	switch opts.Format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case "markdown":
		_, err := io.WriteString(w, Markdown(res))
		return err
	}
	return Text(w, res, opts.IO.DisplayPath(cfg.Root))
}

func place(e Entity, path func(string) string) string {
	if e.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d: ", path(e.File), e.Line, e.Column)
}

func byWhom(e Entity) string {
	switch {
	case e.UpdatedBy != "" && e.UpdatedAt != "":
		return fmt.Sprintf(" (updated by %s at %s)", e.UpdatedBy, e.UpdatedAt)
	case e.UpdatedBy != "":
		return fmt.Sprintf(" (updated by %s)", e.UpdatedBy)
	case e.UpdatedAt != "":
		return fmt.Sprintf(" (updated at %s)", e.UpdatedAt)
	}
	return ""
}

// Text writes the report as lines people and editors read: each entity at
// its file:line:col, each changed field as git's value → Port's.
func Text(w io.Writer, res *Result, path func(string) string) error {
	var b strings.Builder
	for _, u := range res.Unreadable {
		fmt.Fprintf(&b, "%s:%d:%d: error: %s (drift cannot read this file; it holds back the extras it may define)\n", path(u.File), u.Line, u.Column, u.Message)
	}
	for _, e := range res.Changed {
		fmt.Fprintf(&b, "%s%s/%s changed in Port%s:\n", place(e, path), e.Blueprint, e.Identifier, byWhom(e))
		for _, f := range e.Fields {
			fmt.Fprintf(&b, "    %s: %s (git) → %s (Port)\n", f.Field, report.ShortValue(f.Git), report.ShortValue(f.Port))
		}
		if e.Uncomparable {
			b.WriteString("    the file holds fields Port's equality does not cover: sync --full sends it\n")
		}
	}
	for _, e := range res.Missing {
		fmt.Fprintf(&b, "%s%s/%s is missing from Port\n", place(e, path), e.Blueprint, e.Identifier)
	}
	for _, e := range res.Extra {
		fmt.Fprintf(&b, "%s/%s is in Port but no file defines it (the repository owns %s)%s\n", e.Blueprint, e.Identifier, e.Blueprint, byWhom(e))
	}
	b.WriteString(summary(res) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func summary(res *Result) string {
	if !res.Drift {
		return fmt.Sprintf("no drift: the %d %s defined at %s are as Port holds them", res.Entities, plural(res.Entities, "entity", "entities"), short(res.Head))
	}
	s := fmt.Sprintf("drift: %d changed in Port, %d missing from Port", len(res.Changed), len(res.Missing))
	if len(res.Owned) > 0 {
		s += fmt.Sprintf(", %d in Port that no file defines", len(res.Extra))
	}
	s += fmt.Sprintf(" (%d %s defined at %s); sync --full puts back what changed or is missing", res.Entities, plural(res.Entities, "entity", "entities"), short(res.Head))
	if len(res.Extra) > 0 {
		s += ", --prune also deletes the extras"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// maxMarkdownRows bounds each table of the Markdown report; what is left
// out is counted.
const maxMarkdownRows = 500

// Markdown is the report as GitHub renders it (a job summary, a comment).
func Markdown(res *Result) string {
	var b strings.Builder
	b.WriteString("## port-gitops drift\n\n")
	b.WriteString(Cell(summary(res)) + "\n\n")
	if len(res.Changed) > 0 {
		b.WriteString("### Changed in Port\n\n| entity | field | git | Port | updated by | updated at |\n|---|---|---|---|---|---|\n")
		rows := 0
		for _, e := range res.Changed {
			for i, f := range e.Fields {
				if rows++; rows > maxMarkdownRows {
					break
				}
				name, by, at := "", "", ""
				if i == 0 {
					name, by, at = report.MarkdownCode(e.Blueprint+"/"+e.Identifier), Cell(e.UpdatedBy), Cell(e.UpdatedAt)
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", name, report.MarkdownCode(f.Field), report.MarkdownCode(report.ShortValue(f.Git)), report.MarkdownCode(report.ShortValue(f.Port)), by, at)
			}
		}
		if rows > maxMarkdownRows {
			fmt.Fprintf(&b, "\n%d more changed fields not shown.\n", rows-maxMarkdownRows)
		}
		b.WriteString("\n")
	}
	list := func(title string, ents []Entity, line func(Entity) string) {
		if len(ents) == 0 {
			return
		}
		fmt.Fprintf(&b, "### %s\n\n", title)
		for i, e := range ents {
			if i == maxMarkdownRows {
				fmt.Fprintf(&b, "\n%d more not shown.\n", len(ents)-maxMarkdownRows)
				break
			}
			b.WriteString("- " + line(e) + "\n")
		}
		b.WriteString("\n")
	}
	list("Missing from Port", res.Missing, func(e Entity) string {
		return fmt.Sprintf("%s (%s)", report.MarkdownCode(e.Blueprint+"/"+e.Identifier), report.MarkdownCode(fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)))
	})
	list("In Port, defined by no file (owned blueprints)", res.Extra, func(e Entity) string {
		return report.MarkdownCode(e.Blueprint+"/"+e.Identifier) + Cell(byWhom(e))
	})
	list("Files that do not parse", unreadableAsEntities(res.Unreadable), func(e Entity) string {
		return report.MarkdownCode(fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)) + " " + Cell(e.Identifier)
	})
	return b.String()
}

func unreadableAsEntities(us []Unreadable) []Entity {
	var out []Entity
	for _, u := range us {
		out = append(out, Entity{File: u.File, Line: u.Line, Column: u.Column, Identifier: u.Message})
	}
	return out
}

// Cell makes text safe in a Markdown table cell and a list item: no line
// breaks, no table pipes, no HTML, no links or images.
func Cell(s string) string {
	r := strings.NewReplacer("\r", " ", "\n", " ", "|", `\|`, "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`, "!", `\!`, "`", "'", "*", `\*`, "_", `\_`, "@", "@\u200b")
	return r.Replace(s)
}
