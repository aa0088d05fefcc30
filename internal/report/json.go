package report

import (
	"encoding/json"
	"io"
)

type jsonRenderer struct{}

// jsonReport is the document of --format json. Field names are stable.
type jsonReport struct {
	Valid    bool      `json:"valid"`
	Files    int       `json:"files"`
	Entities int       `json:"entities"`
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
	Findings []Finding `json:"findings"`
	// Error is set when the run could not check anything (a usage or
	// configuration error, or an I/O failure): what went wrong and the
	// exit code, so that a script reading stdout gets a document.
	Error *jsonError `json:"error,omitempty"`
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
	return enc.Encode(jsonReport{Findings: []Finding{}, Error: &jsonError{Message: message, ExitCode: exitCode}})
}

func (jsonRenderer) Render(w io.Writer, findings []Finding, sum Summary) error {
	if findings == nil {
		findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(jsonReport{
		Valid: sum.Errors == 0, Files: sum.Files, Entities: sum.Entities,
		Errors: sum.Errors, Warnings: sum.Warnings, Findings: findings,
	})
}
