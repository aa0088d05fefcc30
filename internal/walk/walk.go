// Package walk finds the entity files of a working tree, by the
// configuration's rules, and reads them. It is built for catalogs of
// thousands of small files in as many directories, where the file system's
// system calls are a large part of a validate run: directories are read on
// several goroutines at once, and a file is read where it was found,
// relative to its directory while that is open.
package walk

import (
	"errors"
	"path/filepath"
	"sync"

	"github.com/port-gitops/port-gitops/internal/config"
)

// File is what the walk found: an entity file by the configuration's rules,
// or a directory that is named like one or cannot be read (for the caller's
// read of it to report).
type File struct {
	Abs       string // absolute path
	Rel       string // slash-separated, relative to the repository root
	Blueprint string // the matching rule's blueprint ("" if none)

	dir     *dir   // the directory it was found in, open during the callback
	name    string // its name in dir
	regular bool   // the directory listing says it is a regular file
	buf     *[]byte
}

// Read returns the file's bytes. During the walk's callback it reads
// relative to the directory the walk has open, into a buffer the walker
// reuses: the bytes are valid until the callback returns, and Read must not
// be called after it. A directory or an unreadable file is an error.
func (f *File) Read() ([]byte, error) {
	if f.dir == nil || !f.regular {
		return ReadFile(f.Abs)
	}
	return f.dir.readRegular(f.name, f.buf)
}

// Walk calls fn for every entity file below dir, one at a time, in no
// particular order. It skips .git, the blueprint cache and directories no
// rule can match inside. Only a dir that cannot be read is an error.
func Walk(cfg *config.Config, dir string, fn func(*File)) error {
	return Parallel(cfg, dir, 1, fn)
}

// Parallel is Walk with up to workers goroutines reading directories at
// once. fn runs on those goroutines, concurrently, so a caller can do its
// work on a file right where it was found: no file waits in a queue, and no
// goroutine hands each file to another.
func Parallel(cfg *config.Config, root string, workers int, fn func(*File)) error {
	rel, err := cfg.Rel(root)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	// A directory named like an entity file is one, for the caller to
	// report; the repository root is never one.
	if abs != cfg.Root {
		if r := cfg.Match(rel); r != nil {
			fn(&File{Abs: abs, Rel: rel, Blueprint: r.Blueprint})
			return nil
		}
	}
	d, err := openDir(abs)
	if err != nil {
		return err
	}
	w := &walker{cfg: cfg, fn: fn, stack: []pending{{abs: abs, rel: rel, open: d}}}
	w.cond.L = &w.mu
	if workers < 1 {
		workers = 1
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.work()
		}()
	}
	wg.Wait()
	return nil
}

// walker is a parallel directory walk: a stack of directories still to
// read, shared by the workers, each of which reads one directory, pushes
// its subdirectories and then handles its files.
type walker struct {
	cfg *config.Config
	fn  func(*File)

	mu     sync.Mutex
	cond   sync.Cond
	stack  []pending
	active int // workers reading a directory, who may push more
}

// pending is a directory to read; open is set if it is open already.
type pending struct {
	abs, rel string
	open     *dir
}

func (w *walker) work() {
	buf := new([]byte)
	for {
		w.mu.Lock()
		for len(w.stack) == 0 && w.active > 0 {
			w.cond.Wait()
		}
		if len(w.stack) == 0 {
			// Nothing left and nobody who could add more: the walk is over.
			w.mu.Unlock()
			w.cond.Broadcast()
			return
		}
		p := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		w.active++
		w.mu.Unlock()

		d := p.open
		if d == nil {
			var err error
			if d, err = openDir(p.abs); err != nil {
				// The caller's read of it says what is wrong.
				w.fn(&File{Abs: p.abs, Rel: p.rel})
			}
		}
		w.finish(d, p.abs, p.rel, buf)
	}
}

// finish pushes a directory's subdirectories, calls fn for its entity
// files, closes it and marks its worker idle. d may be nil (unreadable).
func (w *walker) finish(d *dir, abs, rel string, buf *[]byte) {
	var files []File
	var subdirs []pending
	if d != nil {
		files, subdirs = w.visit(d, abs, rel)
	}
	w.mu.Lock()
	w.stack = append(w.stack, subdirs...)
	w.mu.Unlock()
	if len(subdirs) > 0 {
		w.cond.Broadcast()
	}
	for i := range files {
		files[i].buf = buf
		w.fn(&files[i])
		files[i].dir = nil
	}
	if d != nil {
		d.close()
	}
	w.mu.Lock()
	w.active--
	idle := w.active == 0
	w.mu.Unlock()
	if idle {
		w.cond.Broadcast()
	}
}

// visit sorts a directory's entries into entity files and subdirectories to
// read.
func (w *walker) visit(d *dir, abs, rel string) (files []File, subdirs []pending) {
	c := w.cfg
	for _, e := range d.entries {
		childRel := e.name
		if rel != "." {
			childRel = rel + "/" + e.name
		}
		if e.isDir {
			childAbs := abs + string(filepath.Separator) + e.name
			if e.name == ".git" || childAbs == c.BlueprintDir || !c.CanMatchUnder(childRel) {
				continue
			}
			if r := c.Match(childRel); r != nil {
				files = append(files, File{Abs: childAbs, Rel: childRel, Blueprint: r.Blueprint})
				continue
			}
			subdirs = append(subdirs, pending{abs: childAbs, rel: childRel})
			continue
		}
		if r := c.Match(childRel); r != nil {
			childAbs := abs + string(filepath.Separator) + e.name
			files = append(files, File{Abs: childAbs, Rel: childRel, Blueprint: r.Blueprint, dir: d, name: e.name, regular: e.regular})
		}
	}
	return files, subdirs
}

// errIsDir is the error for a directory where an entity file should be.
var errIsDir = errors.New("is a directory, not an entity file")

// entry is a directory entry: a name, and what the listing says it is.
type entry struct {
	name    string
	isDir   bool
	regular bool
}
