//go:build !linux

package walk

import (
	"os"
	"path/filepath"
)

// dir is a listed directory; its files are read by path.
type dir struct {
	path    string
	entries []entry
}

func openDir(path string) (*dir, error) {
	des, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	d := &dir{path: path, entries: make([]entry, len(des))}
	for i, de := range des {
		d.entries[i] = entry{name: de.Name(), isDir: de.IsDir(), regular: de.Type().IsRegular()}
	}
	return d, nil
}

func (d *dir) close() {}

func (d *dir) readRegular(name string, _ *[]byte) ([]byte, error) {
	return ReadFile(filepath.Join(d.path, name))
}
