package blueprint

import (
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// Definition returns the cached blueprint id as its file holds it (the
// {"ok": true, "blueprint": {...}} wrapper taken off), decoded: objects as
// map[string]any, numbers as json.Number. The blueprint must compile first
// (Get), so a broken file is the same *LoadError validate reports. It is for
// commands that describe blueprints to other tools (schemas export), which
// need the titles and descriptions a compiled Blueprint does not keep.
func (c *Cache) Definition(id string) (map[string]any, error) {
	bp, err := c.Get(id)
	if err != nil {
		return nil, err
	}
	data, err := c.root.ReadFile(bp.File, safefile.MaxBlueprintFile)
	if err != nil {
		return nil, &LoadError{File: bp.File, Msg: err.Error()}
	}
	root, _, err := entity.Parse(data)
	if err != nil {
		return nil, &LoadError{File: bp.File, Msg: err.Error()}
	}
	if w := root.Get("blueprint"); w != nil && root.Get("schema") == nil {
		root = w
	}
	def, _ := root.Interface().(map[string]any)
	return def, nil
}
