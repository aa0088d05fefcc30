package report

import (
	"encoding/json"
	"io"
)

type jsonRenderer struct{}

// jsonReport is the document of --format json. Field names are stable.
type jsonReport struct {
	Valid    bool          `json:"valid"`
	Files    int           `json:"files"`
	Entities int           `json:"entities"`
	Errors   int           `json:"errors"`
	Warnings int           `json:"warnings"`
	Findings []jsonFinding `json:"findings"`
	// Error is set when the run could not check anything (a usage or
	// configuration error, or an I/O failure): what went wrong and the
	// exit code, so that a script reading stdout gets a document.
	Error *jsonError `json:"error,omitempty"`
}

// jsonFinding is a finding with the link to its rule's documentation.
type jsonFinding struct {
	Finding
	URL string `json:"url,omitempty"`
}

type jsonError struct {
	Message  string `json:"message"`
	ExitCode int    `json:"exitCode"`
}

// RenderJSONError writes the --format json document of a run that failed
// before it could report findings: valid false, no findings, and the error.
func RenderJSONError(w io.Writer, message string, exitCode int) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(jsonReport{Findings: []jsonFinding{}, Error: &jsonError{Message: message, ExitCode: exitCode}})
}

func (jsonRenderer) Render(w io.Writer, findings []Finding, sum Summary) error {
	out := make([]jsonFinding, len(findings))
	for i, f := range findings {
		out[i] = jsonFinding{Finding: f, URL: RuleURL(f.Rule)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(jsonReport{
		Valid: sum.Errors == 0, Files: sum.Files, Entities: sum.Entities,
		Errors: sum.Errors, Warnings: sum.Warnings, Findings: out,
	})
}
