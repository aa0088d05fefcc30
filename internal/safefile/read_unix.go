//go:build unix

package safefile

import (
	"io/fs"
	"syscall"
)

// openFlags open without following a final symbolic link (the caller has
// resolved it) and without blocking (a FIFO opens at once; fstat then
// refuses it).
const openFlags = syscall.O_RDONLY | syscall.O_CLOEXEC | syscall.O_NONBLOCK | syscall.O_NOFOLLOW

func readResolved(path string, limit int64) ([]byte, error) {
	fd, err := Retry(func() (int, error) { return syscall.Open(path, openFlags, 0) })
	if err != nil {
		return nil, openError(err)
	}
	defer syscall.Close(fd)
	return ReadFD(fd, nil, limit)
}

func isDirectory(path string) (bool, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return false, err
	}
	return st.Mode&syscall.S_IFMT == syscall.S_IFDIR, nil
}

// openError turns ELOOP from O_NOFOLLOW (the path became a link since it
// was resolved or listed) into ErrNotRegular.
func openError(err error) error {
	if err == syscall.ELOOP {
		return notRegular(fs.ModeSymlink)
	}
	return err
}

// ReadFD checks with fstat that fd is a regular file of at most limit bytes
// and reads it, appending to buf (which may be nil). It reads at most limit
// bytes and one more, to see a file that grew past its stated size.
func ReadFD(fd int, buf []byte, limit int64) ([]byte, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, err
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		return nil, ErrIsDir
	case syscall.S_IFIFO:
		return nil, notRegular(fs.ModeNamedPipe)
	case syscall.S_IFSOCK:
		return nil, notRegular(fs.ModeSocket)
	case syscall.S_IFCHR:
		return nil, notRegular(fs.ModeDevice | fs.ModeCharDevice)
	case syscall.S_IFBLK:
		return nil, notRegular(fs.ModeDevice)
	default:
		return nil, notRegular(0)
	}
	if st.Size > limit {
		return nil, TooLarge(st.Size, limit)
	}
	b := buf[:0]
	if want := int(st.Size) + 1; cap(b) < want {
		b = make([]byte, 0, want)
	}
	for {
		if len(b) == cap(b) {
			if int64(len(b)) > limit {
				return nil, TooLarge(-1, limit)
			}
			b = append(b, 0)[:len(b)]
		}
		want := cap(b) - len(b)
		if room := limit + 1 - int64(len(b)); int64(want) > room {
			want = int(room)
		}
		n, err := syscall.Read(fd, b[len(b):len(b)+want])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return nil, TooLarge(-1, limit)
		}
		// A regular file reads short only at its end: no need to ask
		// again for the zero-length read that says so.
		if n == 0 || n < want {
			return b, nil
		}
	}
}

// Retry makes a system call again for as long as a signal interrupts it
// (EINTR): the Go runtime's preemption signals do so.
func Retry(call func() (int, error)) (int, error) {
	for {
		n, err := call()
		if err != syscall.EINTR {
			return n, err
		}
	}
}
