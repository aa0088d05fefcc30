//go:build unix

package walk

import "syscall"

// ReadFile reads a whole file with plain system calls: open, fstat, read,
// close. os.ReadFile also registers every file with the runtime's poller,
// which on a catalog of thousands of small files costs more than reading
// them.
func ReadFile(path string) ([]byte, error) {
	fd, err := openRetry(path)
	if err != nil {
		return nil, &pathError{path, err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &pathError{path, err}
	}
	if st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
		return nil, errIsDir
	}
	regular := st.Mode&syscall.S_IFMT == syscall.S_IFREG
	buf := make([]byte, 0, st.Size+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		want := cap(buf) - len(buf)
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &pathError{path, err}
		}
		buf = buf[:len(buf)+n]
		// A regular file reads short only at its end: no need to ask
		// again for the zero-length read that says so.
		if n == 0 || (regular && n < want) {
			return buf, nil
		}
	}
}

func openRetry(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }
