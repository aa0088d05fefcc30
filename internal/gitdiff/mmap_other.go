//go:build !unix

package gitdiff

import (
	"io"
	"os"
)

// mapFile reads a file whole where mapping is not available.
func mapFile(f *os.File, size int64, _ bool) (data []byte, unmap func() error, err error) {
	data = make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, err
	}
	return data, func() error { return nil }, nil
}
