package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

type textRenderer struct{ opts Options }

type textStyles struct {
	path, err, warn, rule, ok style
}

// style is a lipgloss style that is only applied when colour is on: without
// colour, text passes through untouched, and lipgloss's rendering (the
// costliest part of writing many findings) is skipped.
type style struct {
	s  lipgloss.Style
	on bool
}

// Render styles text.
func (s style) Render(text string) string {
	if !s.on {
		return text
	}
	return s.s.Render(text)
}

func newTextStyles(w io.Writer, color bool) textStyles {
	if !color {
		// Styles that are never applied need no renderer: building one
		// looks at the environment and the terminal on every run.
		return textStyles{}
	}
	r := lipgloss.NewRenderer(w)
	r.SetColorProfile(termenv.ANSI)
	return textStyles{
		path: style{r.NewStyle().Bold(true), color},
		err:  style{r.NewStyle().Foreground(lipgloss.Color("1")).Bold(true), color},
		warn: style{r.NewStyle().Foreground(lipgloss.Color("3")).Bold(true), color},
		rule: style{r.NewStyle().Faint(true), color},
		ok:   style{r.NewStyle().Foreground(lipgloss.Color("2")).Bold(true), color},
	}
}

// Render writes `path:line:col: severity: message [rule]` lines, files
// separated by a blank line, each followed by its snippet when asked for,
// then the summary (unless Quiet).
func (t *textRenderer) Render(w io.Writer, findings []Finding, sum Summary) error {
	st := newTextStyles(w, t.opts.Color)
	var b strings.Builder
	prev := ""
	for i, f := range findings {
		path := t.opts.DisplayPath(f.File)
		if i > 0 && f.File != prev {
			b.WriteByte('\n')
		}
		prev = f.File
		loc := path
		if f.Line > 0 {
			loc = fmt.Sprintf("%s:%d:%d", path, f.Line, f.Column)
		}
		sevStyle := st.err
		if f.Severity == Warning {
			sevStyle = st.warn
		}
		// One finding, one line: grep and editors rely on it.
		msg := strings.Join(strings.Fields(f.Message), " ")
		fmt.Fprintf(&b, "%s: %s: %s %s\n", st.path.Render(loc), sevStyle.Render(string(f.Severity)), msg, st.rule.Render("["+f.Rule+"]"))
		if t.opts.Snippets && f.Snippet != nil {
			writeSnippet(&b, st, sevStyle, f.Snippet)
		}
	}
	if t.opts.Quiet {
		_, err := io.WriteString(w, b.String())
		return err
	}
	if len(findings) > 0 {
		b.WriteByte('\n')
	}
	b.WriteString(summaryLine(st, sum, findings))
	b.WriteByte('\n')
	if len(findings) > 0 {
		b.WriteString(st.rule.Render(byRule(findings)))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSnippet shows the line a finding points at and a caret under its
// column, as compilers do:
//
//	3 |   "title": "Search"
//	  |                    ^
func writeSnippet(b *strings.Builder, st textStyles, caret style, s *Snippet) {
	num := strconv.Itoa(s.Line)
	gutter := strings.Repeat(" ", len(num))
	text := s.Text
	pad := ""
	if s.CutStart {
		text, pad = "…"+text, " "
	}
	if s.CutEnd {
		text += "…"
	}
	fmt.Fprintf(b, " %s %s %s\n", st.rule.Render(num), st.rule.Render("|"), text)
	var under strings.Builder
	under.WriteString(pad)
	n := 0
	for _, r := range s.Text {
		if n >= s.Column-1 {
			break
		}
		if r == '\t' {
			under.WriteByte('\t')
		} else {
			under.WriteString(strings.Repeat(" ", max(lipgloss.Width(string(r)), 1)))
		}
		n++
	}
	if n < s.Column-1 {
		under.WriteString(strings.Repeat(" ", s.Column-1-n))
	}
	fmt.Fprintf(b, " %s %s %s%s\n", gutter, st.rule.Render("|"), under.String(), caret.Render("^"))
}

// summaryLine counts files, entities, errors (and the files that have
// them) and warnings.
func summaryLine(st textStyles, s Summary, findings []Finding) string {
	errs := plural(s.Errors, "error", "errors")
	if s.Errors > 0 {
		files := map[string]bool{}
		for _, f := range findings {
			if f.Severity == Error {
				files[f.File] = true
			}
		}
		if len(files) > 0 {
			errs += " in " + plural(len(files), "file", "files")
		}
	}
	counts := fmt.Sprintf("%s, %s", errs, plural(s.Warnings, "warning", "warnings"))
	switch {
	case s.Errors > 0:
		counts = st.err.Render(counts)
	case s.Warnings > 0:
		counts = st.warn.Render(counts)
	default:
		counts = st.ok.Render(counts)
	}
	return fmt.Sprintf("%s, %s: %s (%s)", plural(s.Files, "file", "files"), plural(s.Entities, "entity", "entities"), counts, roundDuration(s.Duration))
}

// byRule counts findings per rule, most frequent first: "by rule: enum 3,
// format 1".
func byRule(findings []Finding) string {
	counts := map[string]int{}
	for _, f := range findings {
		counts[f.Rule]++
	}
	rules := make([]string, 0, len(counts))
	for r := range counts {
		rules = append(rules, r)
	}
	sort.Slice(rules, func(i, j int) bool {
		if counts[rules[i]] != counts[rules[j]] {
			return counts[rules[i]] > counts[rules[j]]
		}
		return rules[i] < rules[j]
	})
	parts := make([]string, len(rules))
	for i, r := range rules {
		parts[i] = fmt.Sprintf("%s %d", r, counts[r])
	}
	return "by rule: " + strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
