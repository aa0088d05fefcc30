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
