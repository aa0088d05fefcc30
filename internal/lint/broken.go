package lint

import (
	"path/filepath"
	"strings"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/report"
)

// BrokenBlueprintFinding is the finding (rule broken-blueprint) for a
// broken cached blueprint: at its line and column in the cache file, whose
// path is made relative to the repository root when it lies inside it.
func BrokenBlueprintFinding(root string, le *blueprint.LoadError) report.Finding {
	file := le.File
	if rel, err := filepath.Rel(root, le.File); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		file = filepath.ToSlash(rel)
	}
	return report.Finding{File: file, Line: le.Line, Column: le.Column, Rule: "broken-blueprint", Severity: report.Error, Message: le.Msg}
}
