package gitdiff

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := initRepo(t)
	c := buildCommits(t, dir, []commitSpec{{tree: map[string]entry{
		"docs/README.md": file("# hi\n"),
		"bin/run":        exe("#!/bin/sh\n"),
		"docs/link.md":   symlink("/etc/passwd"),
		"vendor/sub":     gitlink("0123456789012345678901234567890123456789"),
	}}})[0]
	r := openRepo(t, dir)
	for _, tc := range []struct {
		path string
		want Hash
		err  error
		msg  string
	}{
		{"docs/README.md", blob("# hi\n"), nil, ""},
		{"bin/run", blob("#!/bin/sh\n"), nil, ""},
		{"docs", ZeroHash, ErrNotFile, "a directory"},
		{"docs/link.md", ZeroHash, ErrNotFile, "symbolic link"},
		{"vendor/sub", ZeroHash, ErrNotFile, "submodule"},
		{"docs/missing.md", ZeroHash, fs.ErrNotExist, ""},
		{"docs/README.md/x", ZeroHash, fs.ErrNotExist, ""},
		{"nope/x", ZeroHash, fs.ErrNotExist, ""},
	} {
		h, err := r.Lookup(c, tc.path)
		if h != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) || (tc.msg != "" && !strings.Contains(err.Error(), tc.msg)) {
			t.Errorf("Lookup(%q) = %v, %v; want %v, %v (%s)", tc.path, h, err, tc.want, tc.err, tc.msg)
		}
	}
}
