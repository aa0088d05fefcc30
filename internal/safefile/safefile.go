// Package safefile reads files of a repository that anyone may have
// committed: only regular files, only inside the repository, and never more
// than a stated number of bytes.
//
// A symbolic link is followed only when its resolved target lies inside the
// repository root (resolved with filepath.EvalSymlinks, not compared as a
// string). A FIFO, a device or a socket is never read: files are opened
// without blocking and checked with fstat before the first read, so a FIFO
// cannot stall the caller. Every read stops one byte past its limit, so
// /dev/zero or a huge file costs at most the limit in memory.
//
// Errors never carry what lies outside the repository: not a link's target,
// not its content. They name the path the caller gave.
//
// The package prints nothing and reads nothing but the files it is asked for.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Size limits of what port-gitops reads from a repository.
const (
	// MaxEntityFile is the largest entity file read, on disk or in git.
	MaxEntityFile = 32 << 20
	// MaxBlueprintFile is the largest cached blueprint file read.
	MaxBlueprintFile = 8 << 20
	// MaxConfigFile is the largest configuration file read.
	MaxConfigFile = 1 << 20
	// MaxReferencedFile is the largest file a file:// property value may
	// name: its content goes into one entity, and Port takes at most 1 MiB
	// a request.
	MaxReferencedFile = 1 << 20
)

// Errors that callers may test with errors.Is.
var (
	// ErrNotRegular means a path is a FIFO, a device, a socket or a
	// symbolic link that leads outside the repository: not a file
	// port-gitops reads.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge means a file is larger than the limit for its kind.
	ErrTooLarge = errors.New("file too large")
	// ErrIsDir means a path is a directory where a file was expected.
	ErrIsDir = errors.New("is a directory, not a file")
)

// TooLarge returns the error for a file of at least size bytes (or of
// unknown size when size < 0) that exceeds limit.
func TooLarge(size, limit int64) error {
	if size <= limit {
		return fmt.Errorf("%w: more than %s, the limit", ErrTooLarge, Size(limit))
	}
	return fmt.Errorf("%w: %s, more than the limit of %s", ErrTooLarge, Size(size), Size(limit))
}

// Size formats a byte count for a message: "32 MiB", "1.5 KiB", "12 bytes".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// errOutside is the error for a link whose target leaves the repository.
var errOutside = fmt.Errorf("%w: a symbolic link that leads outside the repository (only links inside it are followed)", ErrNotRegular)

// Root is a repository root that files are read inside of.
type Root struct {
	dir      string // as given, absolute
	resolved string // with every symbolic link resolved
}

// NewRoot returns the root dir, which must exist.
func NewRoot(dir string) (*Root, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	return &Root{dir: abs, resolved: resolved}, nil
}

// Dir returns the root's absolute path as given.
func (r *Root) Dir() string { return r.dir }

// Contains reports whether the resolved path p lies inside the root.
func (r *Root) contains(p string) bool {
	rel, err := filepath.Rel(r.resolved, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// Resolve returns path with every symbolic link resolved, or an error when
// it does not exist or leads outside the root. The error names path, never
// what it resolves to.
func (r *Root) Resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	resolved, err := r.resolve(abs)
	if err != nil {
		// EvalSymlinks names the component it failed on, which may lie
		// outside the repository: keep only the reason.
		return "", &fs.PathError{Op: "open", Path: path, Err: unwrapPath(err)}
	}
	if !r.contains(resolved) {
		return "", &fs.PathError{Op: "open", Path: path, Err: errOutside}
	}
	return resolved, nil
}

// resolve resolves abs. A path below the root as given, with no link
// below the root, costs one lstat per component below the root; anything
// else goes through filepath.EvalSymlinks.
func (r *Root) resolve(abs string) (string, error) {
	rel, err := filepath.Rel(r.dir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return filepath.EvalSymlinks(abs)
	}
	if rel == "." {
		return r.resolved, nil
	}
	cur := r.resolved
	for _, c := range strings.Split(rel, string(filepath.Separator)) {
		cur += string(filepath.Separator) + c
		fi, err := os.Lstat(cur)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return filepath.EvalSymlinks(abs)
		}
	}
	return cur, nil
}

// ReadResolved reads the regular file that Resolve (or Stat) resolved path
// to, at most limit bytes; errors name path.
func (r *Root) ReadResolved(path, resolved string, limit int64) ([]byte, error) {
	data, err := readResolved(resolved, limit)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: unwrapPath(err)}
	}
	return data, nil
}

// ReadFile reads the regular file at path, at most limit bytes, following
// symbolic links only inside the root.
func (r *Root) ReadFile(path string, limit int64) ([]byte, error) {
	resolved, err := r.Resolve(path)
	if err != nil {
		return nil, err
	}
	return r.ReadResolved(path, resolved, limit)
}

// ReadRegular reads the regular file at path, at most limit bytes, with
// no root: for a file the user named that may lie outside any repository
// (a configuration given with --config). Links are followed; a FIFO, a
// device or a socket is still refused without blocking.
func ReadRegular(path string, limit int64) ([]byte, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	data, err := readResolved(resolved, limit)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: unwrapPath(err)}
	}
	return data, nil
}

// Stat says what the file at path is, following symbolic links only inside
// the root: its resolved path and whether it is a directory.
func (r *Root) Stat(path string) (resolved string, isDir bool, err error) {
	resolved, err = r.Resolve(path)
	if err != nil {
		return "", false, err
	}
	isDir, err = isDirectory(resolved)
	if err != nil {
		return "", false, &fs.PathError{Op: "stat", Path: path, Err: unwrapPath(err)}
	}
	return resolved, isDir, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// kind names a file mode that is not a regular file or a directory.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a file port-gitops reads"
}

// notRegular returns the error for a file of mode m.
func notRegular(m fs.FileMode) error {
	return fmt.Errorf("%w: %s", ErrNotRegular, kind(m))
}
