package walk

import (
	"encoding/binary"
	"io/fs"
	"sync"
	"syscall"

	"github.com/port-gitops/port-gitops/internal/safefile"
)

// dir is an open directory and its entries. On Linux it is read with plain
// system calls (open, getdents64, close), its entries' types come from the
// listing, and its files are opened relative to it, so the kernel looks up
// one name instead of the whole path.
type dir struct {
	fd      int
	path    string
	entries []entry
}

var direntBufs = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

func openDir(path string) (*dir, error) {
	fd, err := safefile.Retry(func() (int, error) {
		return syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	d := &dir{fd: fd, path: path}
	bp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bp)
	buf := *bp
	for {
		n, err := safefile.Retry(func() (int, error) { return syscall.Getdents(fd, buf) })
		if err != nil {
			syscall.Close(fd)
			return nil, &fs.PathError{Op: "readdirent", Path: path, Err: err}
		}
		if n <= 0 {
			return d, nil
		}
		if err := d.parse(buf[:n]); err != nil {
			syscall.Close(fd)
			return nil, &fs.PathError{Op: "readdirent", Path: path, Err: err}
		}
	}
}

// Offsets in struct linux_dirent64: d_ino (8 bytes), d_off (8), d_reclen
// (2), d_type (1), then the NUL-terminated name.
const (
	direntReclen = 16
	direntType   = 18
	direntName   = 19
)

func (d *dir) parse(buf []byte) error {
	for len(buf) > 0 {
		if len(buf) < direntName {
			return syscall.EIO
		}
		reclen := int(binary.NativeEndian.Uint16(buf[direntReclen:]))
		if reclen < direntName || reclen > len(buf) {
			return syscall.EIO
		}
		rec := buf[:reclen]
		buf = buf[reclen:]
		name := rec[direntName:]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		if string(name) == "." || string(name) == ".." {
			continue
		}
		e := entry{name: string(name)}
		switch rec[direntType] {
		case syscall.DT_DIR:
			e.isDir = true
		case syscall.DT_LNK:
			e.symlink = true
		case syscall.DT_UNKNOWN:
			// Some file systems leave the type out of listings.
			var st syscall.Stat_t
			if err := syscall.Lstat(d.path+"/"+e.name, &st); err == nil {
				e.isDir = st.Mode&syscall.S_IFMT == syscall.S_IFDIR
				e.symlink = st.Mode&syscall.S_IFMT == syscall.S_IFLNK
			}
		}
		d.entries = append(d.entries, e)
	}
	return nil
}

func (d *dir) close() { syscall.Close(d.fd) }

// readRegular reads a file of d that the listing says is not a link, into
// buf (grown as needed and kept for the next file). It opens without
// following a link and without blocking, and fstat decides: a FIFO, a
// device, a directory (or a link, if one replaced the file since the
// listing) is refused, not read.
func (d *dir) readRegular(_ *safefile.Root, name string, buf *[]byte) ([]byte, error) {
	fd, err := safefile.OpenAt(d.fd, name)
	if err != nil {
		return nil, &pathError{name, err}
	}
	defer syscall.Close(fd)
	b := *buf
	if cap(b) == 0 {
		b = make([]byte, 0, 16<<10)
	}
	b, err = safefile.ReadFD(fd, b, safefile.MaxEntityFile)
	if err != nil {
		return nil, &pathError{name, err}
	}
	*buf = b
	return b, nil
}

// pathError is an error reading a file of a directory; its message is the
// reason alone, since the caller's finding names the file.
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }
