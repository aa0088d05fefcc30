package safefile

import "syscall"

// OpenAt opens name relative to the open directory dirfd as ReadFD expects
// it: without following a symbolic link and without blocking.
func OpenAt(dirfd int, name string) (int, error) {
	fd, err := Retry(func() (int, error) { return syscall.Openat(dirfd, name, openFlags, 0) })
	if err != nil {
		return -1, openError(err)
	}
	return fd, nil
}
