package hooks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Uninstall removes the hooks install wrote and puts back the hooks they
// replaced. It removes only what is port-gitops's own: a hook someone edited
// after install is saved under a new name, a hook another tool put in our
// place stays where it is, and the hook port-gitops had kept is restored or,
// when its place is taken, saved under a new name, so that nothing is lost
// and a later install always finds the way clear. Each such step is said.
func Uninstall(ctx context.Context, opts Options) error {
	dir, err := Dir(ctx, opts.IO.Dir)
	if err != nil {
		return err
	}
	changed := false
	for _, h := range []hook{preCommit, postMerge} {
		did, err := uninstall(opts, filepath.Join(dir, h.name), h)
		if err != nil {
			return err
		}
		changed = changed || did
	}
	if !changed {
		fmt.Fprintf(opts.IO.Out, "no port-gitops hook is installed in %s: nothing to uninstall\n", show(dir))
	}
	return nil
}

// uninstall takes hook h out of path and reports whether it changed
// anything.
func uninstall(opts Options, path string, h hook) (bool, error) {
	prev := path + PreviousSuffix
	st, err := inspect(path, h)
	if err != nil {
		return false, err
	}
	kept := exists(prev)
	out := opts.IO.Out
	switch st {
	case oursIntact, oursEdited:
		if st == oursEdited {
			// A second name first: the restore below then replaces the
			// path in one rename.
			saved, err := saveAside(path, path+EditedSuffix)
			if err != nil {
				return false, err
			}
			fmt.Fprintf(out, "%s had changes port-gitops did not make: saved it as %s (git does not run it); copy back what you need\n", show(path), show(saved))
		}
		if kept {
			// The previous hook takes our hook's place in one rename.
			if err := os.Rename(prev, path); err != nil {
				return true, fmt.Errorf("restore the previous %s hook: %w", h.name, err)
			}
			fmt.Fprintf(out, "removed %s hook %s\n", h.name, show(path))
			fmt.Fprintf(out, "restored the previous %s hook\n", h.name)
			return true, nil
		}
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return true, fmt.Errorf("remove %s: %w", show(path), err)
		}
		fmt.Fprintf(out, "removed %s hook %s\n", h.name, show(path))
		return true, nil
	case absent:
		if !kept {
			return false, nil
		}
		// Ours was deleted by hand: the hook it had kept still goes back.
		if err := os.Rename(prev, path); err != nil {
			return false, fmt.Errorf("restore the previous %s hook: %w", h.name, err)
		}
		fmt.Fprintf(out, "restored the previous %s hook\n", h.name)
		return true, nil
	default: // foreign
		if !kept {
			return false, nil
		}
		// Another tool has put its hook where ours was. It stays; the hook
		// port-gitops had kept is not run by anything any more and would
		// stop a later install, so it gets a name of its own.
		saved, err := saveAside(prev, path+SavedSuffix)
		if err != nil {
			return false, err
		}
		if err := os.Remove(prev); err != nil && !os.IsNotExist(err) {
			return true, fmt.Errorf("remove %s: %w", show(prev), err)
		}
		fmt.Fprintf(out, "left %s alone: it is not a port-gitops hook (another tool replaced port-gitops's)\n", show(path))
		fmt.Fprintf(out, "saved the hook that was there before port-gitops, %s, as %s (git does not run it)\n", show(prev), show(saved))
		return true, nil
	}
}
