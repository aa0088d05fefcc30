package validate

import (
	"errors"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/lint"
	"github.com/port-gitops/port-gitops/internal/report"
)

// reportedError is an error whose findings are already in the report: its
// exit code is the wrapped error's, and no second JSON document is written.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// brokenBlueprintFindings turns broken cached blueprints into findings at
// their cache files (rule broken-blueprint). An error that is not a broken
// blueprint file (the cache could not be read) is returned as a usage error.
func brokenBlueprintFindings(cfg *config.Config, io *cmdutil.IO, errs []error) ([]report.Finding, error) {
	var out []report.Finding
	for _, e := range errs {
		var le *blueprint.LoadError
		if !errors.As(e, &le) {
			return nil, cmdutil.Usage(errors.New(displayError(io, e)))
		}
		out = append(out, lint.BrokenBlueprintFinding(cfg.Root, le))
	}
	return out, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
