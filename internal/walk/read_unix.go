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
	data, err := readAll(fd, make([]byte, 0, st.Size+1), regular)
	if err != nil {
		return nil, &pathError{path, err}
	}
	return data, nil
}

// readAll reads fd to its end, appending to b.
func readAll(fd int, b []byte, regular bool) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		want := cap(b) - len(b)
		n, err := syscall.Read(fd, b[len(b):cap(b)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		b = b[:len(b)+n]
		// A regular file reads short only at its end: no need to ask
		// again for the zero-length read that says so.
		if n == 0 || (regular && n < want) {
			return b, nil
		}
	}
}

func openRetry(path string) (int, error) {
	return retry(func() (int, error) { return syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0) })
}

func retry(call func() (int, error)) (int, error) {
	for {
		n, err := call()
		if err != syscall.EINTR {
			return n, err
		}
	}
}

type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }
