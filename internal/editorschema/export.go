package editorschema

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/port-gitops/port-gitops/internal/atomicfile"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// maxSchemaFile bounds the read of an exported schema already on disk.
const maxSchemaFile = 64 << 20

// Change is what Export did, or with check would do, to one file.
type Change struct {
	Rel string // slash-separated, inside the schemas directory
	// What is "wrote", "unchanged", "removed" (export), or "stale",
	// "missing", "extra" (check), or "current".
	What string
}

// Export brings the schemas directory dir (inside the repository root) in
// line with files: it writes each file that differs and removes exported
// schemas (files that carry Marker) that files no longer hold. With check
// it writes nothing and says what differs. It returns the changes sorted
// by path and whether anything differed. A dir that leads outside root is
// an error wrapping safefile.ErrNotRegular.
func Export(root, dir string, files []File, check bool) ([]Change, bool, error) {
	r, err := safefile.NewRoot(root)
	if err != nil {
		return nil, false, err
	}
	for _, d := range []string{dir, filepath.Join(dir, "blueprints")} {
		if err := insideRoot(r, d); err != nil {
			return nil, false, err
		}
	}
	want := map[string][]byte{}
	for _, f := range files {
		want[f.Rel] = f.Data
	}
	have, err := existing(r, dir)
	if err != nil {
		return nil, false, err
	}
	var changes []Change
	differs := false
	for _, f := range files {
		old, ok := have[f.Rel]
		switch {
		case ok && bytes.Equal(old, f.Data):
			what := "unchanged"
			if check {
				what = "current"
			}
			changes = append(changes, Change{f.Rel, what})
			continue
		case check && ok:
			changes = append(changes, Change{f.Rel, "stale"})
		case check:
			changes = append(changes, Change{f.Rel, "missing"})
		default:
			path := filepath.Join(dir, filepath.FromSlash(f.Rel))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return nil, true, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
			}
			if err := atomicfile.WriteFile(path, f.Data, 0o644); err != nil {
				return nil, true, fmt.Errorf("write %s: %w", path, err)
			}
			changes = append(changes, Change{f.Rel, "wrote"})
		}
		differs = true
	}
	for rel, data := range have {
		if _, ok := want[rel]; ok || !bytes.Contains(data, []byte(Marker)) {
			continue
		}
		differs = true
		if check {
			changes = append(changes, Change{rel, "extra"})
			continue
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
			return nil, true, err
		}
		changes = append(changes, Change{rel, "removed"})
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Rel < changes[j].Rel })
	return changes, differs, nil
}

// insideRoot refuses a dir whose nearest existing ancestor resolves
// outside the root (a link in the way), before anything is created.
func insideRoot(r *safefile.Root, dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(r.Dir(), abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s: %w: the schemas directory must lie inside the repository", dir, safefile.ErrNotRegular)
	}
	for p := abs; ; p = filepath.Dir(p) {
		_, err := r.Resolve(p)
		if err == nil {
			return nil
		}
		if errors.Is(err, safefile.ErrNotRegular) {
			return fmt.Errorf("%s: %w", dir, err)
		}
		if !errors.Is(err, fs.ErrNotExist) || p == r.Dir() {
			return err
		}
	}
}

// existing reads the exported schemas in dir: catalog.schema.json and
// blueprints/*.schema.json, regular files only.
func existing(r *safefile.Root, dir string) (map[string][]byte, error) {
	have := map[string][]byte{}
	read := func(rel string) error {
		data, err := r.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)), maxSchemaFile)
		if err == nil {
			have[rel] = data
			return nil
		}
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, safefile.ErrNotRegular) {
			return nil // not ours to read; a write replaces it
		}
		return err
	}
	if err := read(CatalogFile); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(filepath.Join(dir, "blueprints"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".schema.json") && e.Type().IsRegular() {
			if err := read("blueprints/" + e.Name()); err != nil {
				return nil, err
			}
		}
	}
	return have, nil
}
