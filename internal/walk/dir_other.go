//go:build !linux

package walk

import (
	"io/fs"
	"os"

	"github.com/port-gitops/port-gitops/internal/safefile"
)

// dir is a listed directory; its files are read by path, inside the root.
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
		d.entries[i] = entry{name: de.Name(), isDir: de.IsDir(), symlink: de.Type()&fs.ModeSymlink != 0}
	}
	return d, nil
}

func (d *dir) close() {}

func (d *dir) readRegular(root *safefile.Root, name string, _ *[]byte) ([]byte, error) {
	return root.ReadFile(d.path+string(os.PathSeparator)+name, safefile.MaxEntityFile)
}
