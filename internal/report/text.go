package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

type textRenderer struct{ opts Options }

type textStyles struct {
	path, err, warn, rule, ok lipgloss.Style
}

func newTextStyles(w io.Writer, color bool) textStyles {
	r := lipgloss.NewRenderer(w)
	if color {
		r.SetColorProfile(termenv.ANSI)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return textStyles{
		path: r.NewStyle().Bold(true),
		err:  r.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		warn: r.NewStyle().Foreground(lipgloss.Color("3")).Bold(true),
		rule: r.NewStyle().Faint(true),
		ok:   r.NewStyle().Foreground(lipgloss.Color("2")).Bold(true),
	}
}

// Render writes `path:line:col: severity: message [rule]` lines, files
// separated by a blank line, then one summary line.
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
		sev := st.err.Render(string(f.Severity))
		if f.Severity == Warning {
			sev = st.warn.Render(string(f.Severity))
		}
		// One finding, one line: grep and editors rely on it.
		msg := strings.Join(strings.Fields(f.Message), " ")
		fmt.Fprintf(&b, "%s: %s: %s %s\n", st.path.Render(loc), sev, msg, st.rule.Render("["+f.Rule+"]"))
	}
	if len(findings) > 0 {
		b.WriteByte('\n')
	}
	b.WriteString(summaryLine(st, sum))
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

func summaryLine(st textStyles, s Summary) string {
	counts := fmt.Sprintf("%s, %s", plural(s.Errors, "error", "errors"), plural(s.Warnings, "warning", "warnings"))
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
