// Package report holds validation findings and renders them: plain or
// coloured text, JSON, GitHub Actions workflow commands, SARIF.
//
// It is the only package that imports lipgloss. Renderers write to the writer
// they are given; colour only ever adds escape codes around the plain text.
package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
)

// Severity of a finding.
type Severity string

// Severities. A warning never makes validation fail.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one problem in one file. Field names are part of the JSON
// output, which CI scripts parse: keep them stable.
type Finding struct {
	File       string   `json:"file"`   // relative to the repository root, slash-separated
	Line       int      `json:"line"`   // 1-based; 0 when the problem concerns the whole file
	Column     int      `json:"column"` // 1-based, in characters
	Pointer    string   `json:"pointer"`
	Blueprint  string   `json:"blueprint"`
	Identifier string   `json:"identifier"`
	Rule       string   `json:"rule"`
	Severity   Severity `json:"severity"`
	Message    string   `json:"message"`
	// Snippet is the line the finding points at, for text output; nil when
	// the file was not at hand or snippets were not asked for.
	Snippet *Snippet `json:"-"`
}

// Summary counts what was validated.
type Summary struct {
	Files    int
	Entities int
	Errors   int
	Warnings int
	Duration time.Duration
}

// Count returns the summary's error and warning counts for findings.
func Count(findings []Finding) (errors, warnings int) {
	for _, f := range findings {
		if f.Severity == Error {
			errors++
		} else {
			warnings++
		}
	}
	return errors, warnings
}

// Sort orders findings by file, line, column, then rule and message, so that
// output is the same whatever the number of workers.
func Sort(findings []Finding) {
	slices.SortStableFunc(findings, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Renderer writes a report of findings.
type Renderer interface {
	Render(w io.Writer, findings []Finding, sum Summary) error
}

// Options shape a renderer.
type Options struct {
	// Color adds colour to text output.
	Color bool
	// DisplayPath turns a root-relative file into the path shown to a person
	// (text format), e.g. relative to the working directory.
	DisplayPath func(string) string
	// RepoPath turns a root-relative file into a path relative to the git
	// repository's top level, which GitHub annotations need whatever the
	// working directory; nil keeps root-relative paths.
	RepoPath func(string) string
	// Version goes into SARIF's tool description.
	Version string
	// Snippets shows, under each text finding, the line it points at with a
	// caret under the column.
	Snippets bool
	// Quiet prints only the findings (text and github): no summary.
	Quiet bool
}

var renderers = map[string]func(Options) Renderer{
	"text":   func(o Options) Renderer { return &textRenderer{opts: o} },
	"json":   func(o Options) Renderer { return jsonRenderer{} },
	"github": func(o Options) Renderer { return githubRenderer{opts: o} },
	"sarif":  func(o Options) Renderer { return sarifRenderer{opts: o} },
}

// Formats lists the valid format names, sorted.
func Formats() []string {
	names := make([]string, 0, len(renderers))
	for k := range renderers {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// New returns the renderer for format, or an error listing the valid ones.
func New(format string, opts Options) (Renderer, error) {
	mk, ok := renderers[format]
	if !ok {
		return nil, fmt.Errorf("unknown format %q (valid: %s)", format, strings.Join(Formats(), ", "))
	}
	if opts.RepoPath == nil {
		opts.RepoPath = func(s string) string { return s }
	}
	if opts.DisplayPath == nil {
		opts.DisplayPath = func(s string) string { return s }
	}
	return mk(opts), nil
}

// AndMore is what a message that lists only some of many things adds after
// the list: " and 1 more place", " and 12,345 more places".
func AndMore(n int, one, many string) string {
	noun := many
	if n == 1 {
		noun = one
	}
	return " and " + groupThousands(n) + " more " + noun
}

// groupThousands writes n with a comma between groups of three digits.
func groupThousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
