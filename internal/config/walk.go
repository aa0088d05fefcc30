package config

import (
	"os"
	"path/filepath"
	"sync"
)

// Walk calls fn for every entity file below dir (abs and root-relative
// paths, and the matching rule's blueprint), one file at a time, in no
// particular order. It skips .git, the blueprint cache and directories no
// rule can match inside. An unreadable directory, or a directory named like
// an entity file, is passed to fn too, so that the caller's read of it
// reports the problem. Only a dir that cannot be read is an error.
func (c *Config) Walk(dir string, fn func(abs, rel, blueprint string)) error {
	return c.WalkParallel(dir, 1, fn)
}

// WalkParallel is Walk with up to workers goroutines reading directories at
// once. fn is called on those goroutines, concurrently, so a caller can do
// its work on a file right where it was found: no file waits in a queue,
// and no goroutine hands each file to another.
func (c *Config) WalkParallel(dir string, workers int, fn func(abs, rel, blueprint string)) error {
	rel, err := c.Rel(dir)
	if err != nil {
		return err
	}
	abs := filepath.Clean(dir)
	if !filepath.IsAbs(abs) {
		if abs, err = filepath.Abs(abs); err != nil {
			return err
		}
	}
	// A directory named like an entity file is one, for the caller to
	// report; the root is never one.
	if abs != c.Root {
		if r := c.Match(rel); r != nil {
			fn(abs, rel, r.Blueprint)
			return nil
		}
	}
	entries, err := readDir(abs)
	if err != nil {
		return err
	}
	w := &walker{cfg: c, fn: fn}
	w.cond.L = &w.mu
	w.stack = w.visit(abs, rel, entries, w.stack)
	if workers < 1 {
		workers = 1
	}
	if workers == 1 || len(w.stack) == 0 {
		w.work()
		return nil
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

// walker is a parallel directory walk: a stack of directories still to read,
// shared by the workers, each of which reads one directory, pushes its
// subdirectories and then handles its files.
type walker struct {
	cfg *Config
	fn  func(abs, rel, blueprint string)

	mu     sync.Mutex
	cond   sync.Cond
	stack  []dirToRead
	active int // workers reading a directory, who may push more
}

type dirToRead struct{ abs, rel string }

func (w *walker) work() {
	var found []dirToRead
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
		d := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		w.active++
		w.mu.Unlock()

		entries, err := readDir(d.abs)
		if err != nil {
			// The caller's read of it says what is wrong.
			w.fn(d.abs, d.rel, "")
			entries = nil
		}
		found = w.visit(d.abs, d.rel, entries, found[:0])

		w.mu.Lock()
		w.active--
		w.stack = append(w.stack, found...)
		wake := len(found) > 0 || w.active == 0
		w.mu.Unlock()
		if wake {
			w.cond.Broadcast()
		}
	}
}

// visit calls fn for the entity files among a directory's entries and
// returns the subdirectories to read, appended to dirs.
func (w *walker) visit(abs, rel string, entries []os.DirEntry, dirs []dirToRead) []dirToRead {
	c := w.cfg
	for _, e := range entries {
		name := e.Name()
		childAbs := abs + string(filepath.Separator) + name
		childRel := name
		if rel != "." {
			childRel = rel + "/" + name
		}
		if e.IsDir() {
			if name == ".git" || childAbs == c.BlueprintDir || !c.CanMatchUnder(childRel) {
				continue
			}
			if r := c.Match(childRel); r != nil {
				w.fn(childAbs, childRel, r.Blueprint)
				continue
			}
			dirs = append(dirs, dirToRead{abs: childAbs, rel: childRel})
			continue
		}
		if r := c.Match(childRel); r != nil {
			w.fn(childAbs, childRel, r.Blueprint)
		}
	}
	return dirs
}

// readDir lists a directory. (os.ReadDir also sorts, which costs less than
// os.Open: that registers the directory with the runtime's poller, a handful
// of system calls per directory.)
func readDir(dir string) ([]os.DirEntry, error) { return os.ReadDir(dir) }
