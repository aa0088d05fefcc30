//go:build !unix

package validate

import (
	"errors"
	"os"
)

func readFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, errors.New("is a directory, not an entity file")
	}
	return os.ReadFile(path)
}
