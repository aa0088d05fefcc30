// Package walk finds the entity files of a working tree, by the
// configuration's rules, and reads them. It is built for catalogs of
// thousands of small files in as many directories, where the file system's
// system calls are a large part of a validate run: directories are read on
// several goroutines at once, and a file is read where it was found,
// relative to its directory while that is open.
//
// Only regular files are entity files: a directory is never one, whatever
// the rules say, and neither is anything in the configuration directory
// (.port) or the blueprint cache. A symbolic link to a file is read only
// when its target lies inside the repository; a link to a directory is not
// followed. Reads go through internal/safefile: a FIFO, a device or a
// socket is refused without blocking, and no read exceeds
// safefile.MaxEntityFile.
package walk

import (
	"path/filepath"
	"sync"

	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// File is what the walk found: an entity file by the configuration's rules,
// or a directory that cannot be read (for the caller's read of it to
// report).
type File struct {
	Abs       string // absolute path
	Rel       string // slash-separated, relative to the repository root
	Blueprint string // the matching rule's blueprint ("" if none)
	// Rule is the configuration's rule that makes it an entity file (nil
	// for a directory that cannot be read).
	Rule *config.Rule
	// Format is the matching rule's format: entity.FormatAuto unless the
	// rule names one, so that the file's name decides.
	Format entity.Format

	root *safefile.Root
	dir  *dir   // the directory it was found in, open during the callback
	name string // its name in dir
	link bool   // the directory listing says it is a symbolic link
	buf  *[]byte
}

// Read returns the file's bytes. During the walk's callback it reads
// relative to the directory the walk has open, into a buffer the walker
// reuses: the bytes are valid until the callback returns. After the
// callback it reads by path. A directory, an unreadable file, a file that
// is not regular (errors.Is safefile.ErrNotRegular: a FIFO, a device, a
// link leading outside the repository) or one larger than
// safefile.MaxEntityFile (safefile.ErrTooLarge) is an error.
func (f *File) Read() ([]byte, error) {
	if f.dir == nil || f.link {
		return f.root.ReadFile(f.Abs, safefile.MaxEntityFile)
	}
	return f.dir.readRegular(f.root, f.name, f.buf)
}

// Walk calls fn for every entity file below dir, one at a time, in no
// particular order. It skips .git, .port, the blueprint cache and
// directories no rule can match inside. Only a dir that cannot be read or
// that leads outside the repository is an error.
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
	top, err := safefile.NewRoot(cfg.Root)
	if err != nil {
		return err
	}
	// The directory itself may be a link: its target must stay inside.
	if _, err := top.Resolve(abs); err != nil {
		return err
	}
	d, err := openDir(abs)
	if err != nil {
		return err
	}
	w := &walker{cfg: cfg, root: top, fn: fn, stack: []pending{{abs: abs, rel: rel, open: d}}}
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
	cfg  *config.Config
	root *safefile.Root
	fn   func(*File)

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
				w.fn(&File{Abs: p.abs, Rel: p.rel, root: w.root})
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
			// A directory is never an entity file, whatever its name: a
			// rule's glob matches files only.
			childAbs := abs + string(filepath.Separator) + e.name
			if e.name == ".git" || childRel == ".port" || childAbs == c.BlueprintDir || !c.CanMatchUnder(childRel) {
				continue
			}
			subdirs = append(subdirs, pending{abs: childAbs, rel: childRel})
			continue
		}
		if r := c.Match(childRel); r != nil {
			childAbs := abs + string(filepath.Separator) + e.name
			if e.symlink {
				// A link to a directory is not followed, nor is it an entity
				// file. A link that leads outside the repository (or nowhere)
				// is left to Read, whose error says so.
				if _, isDir, err := w.root.Stat(childAbs); err == nil && isDir {
					continue
				}
			}
			files = append(files, File{Abs: childAbs, Rel: childRel, Blueprint: r.Blueprint, Format: r.Format, Rule: r, root: w.root, dir: d, name: e.name, link: e.symlink})
		}
	}
	return files, subdirs
}

// entry is a directory entry: a name, and what the listing says it is.
type entry struct {
	name    string
	isDir   bool
	symlink bool
}
