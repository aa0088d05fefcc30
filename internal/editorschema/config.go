package editorschema

import (
	"errors"
	"path/filepath"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/config"
)

// DefaultDir is the schemas directory, relative to the repository root,
// when none is given; blueprints pull refreshes it when it exists.
const DefaultDir = ".port/schemas"

// ErrEmptyCache says there is no cached blueprint to export.
var ErrEmptyCache = errors.New("the blueprint cache is empty: run port-gitops blueprints pull first")

// ExportConfig exports the schemas of the configuration's blueprint cache
// into dir (DefaultDir under the root when ""): see Export. It returns the
// cache too, for the editor wiring.
func ExportConfig(cfg *config.Config, dir string, check bool) ([]Change, bool, *blueprint.Cache, error) {
	if dir == "" {
		dir = filepath.Join(cfg.Root, filepath.FromSlash(DefaultDir))
	}
	cache, err := blueprint.OpenCacheIn(cfg.Root, cfg.BlueprintDir)
	if err != nil {
		return nil, false, nil, err
	}
	if len(cache.IDs()) == 0 {
		return nil, false, cache, ErrEmptyCache
	}
	files, err := Build(cache)
	if err != nil {
		return nil, false, cache, err
	}
	changes, differs, err := Export(cfg.Root, dir, files, check)
	return changes, differs, cache, err
}
