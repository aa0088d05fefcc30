package report

import (
	"fmt"
	"io"
	"strings"
)

type githubRenderer struct{ opts Options }

// Render writes GitHub Actions workflow commands, one per finding, then the
// plain summary line.
func (g githubRenderer) Render(w io.Writer, findings []Finding, sum Summary) error {
	var b strings.Builder
	for _, f := range findings {
		cmd := "error"
		if f.Severity == Warning {
			cmd = "warning"
		}
		props := "file=" + escapeProperty(g.opts.RepoPath(f.File))
		if f.Line > 0 {
			props += fmt.Sprintf(",line=%d,col=%d", f.Line, f.Column)
		}
		props += ",title=" + escapeProperty("port-gitops "+f.Rule)
		fmt.Fprintf(&b, "::%s %s::%s\n", cmd, props, escapeData(f.Message))
	}
	if !g.opts.Quiet {
		b.WriteString(summaryLine(newTextStyles(w, false), sum, findings))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// escapeData escapes a workflow command's message.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
