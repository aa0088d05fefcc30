//go:build !unix

package walk

import "os"

// ReadFile reads a whole file; a directory is an error.
func ReadFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, errIsDir
	}
	return os.ReadFile(path)
}
