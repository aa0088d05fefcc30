//go:build unix

package gitdiff

import (
	"os"
	"syscall"
)

// mapFile maps a file read-only; unmap releases it. An empty file maps to
// nil. With whole, the caller reads all of it: where the system can, its
// pages are mapped at once (one system call instead of a page fault every
// few pages).
func mapFile(f *os.File, size int64, whole bool) (data []byte, unmap func() error, err error) {
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	if int64(int(size)) != size {
		return nil, nil, syscall.EFBIG
	}
	flags := syscall.MAP_SHARED
	if whole {
		flags |= mapPopulate
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, flags)
	if err != nil {
		return nil, nil, err
	}
	return data, func() error { return syscall.Munmap(data) }, nil
}
