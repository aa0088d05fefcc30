package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// binaryCheckTimeout bounds `PATH version` when install checks --binary
// (a variable so that tests can shorten it).
var binaryCheckTimeout = 5 * time.Second

// binary returns what the hooks record as the port-gitops to run. A
// --binary the user gave is checked first: a hook that runs something else,
// or nothing, would block every commit.
func (o *Options) binary(ctx context.Context) (string, error) {
	if o.Binary != "" {
		rec, run := o.Binary, o.Binary
		if strings.ContainsRune(o.Binary, os.PathSeparator) {
			if !filepath.IsAbs(rec) {
				rec = filepath.Join(o.IO.Dir, rec)
			}
			run = rec
		} else {
			found, err := exec.LookPath(o.Binary)
			if err != nil {
				return "", cmdutil.Usagef("--binary %s: not found on PATH", show(o.Binary))
			}
			run = found
		}
		if err := checkBinary(ctx, o.Binary, run); err != nil {
			return "", err
		}
		return rec, nil
	}
	// Symlinks are kept on purpose: a package manager's link (such as
	// /opt/homebrew/bin/port-gitops) survives upgrades, the versioned file
	// it points at does not.
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the port-gitops binary: %w", err)
	}
	return filepath.Abs(exe)
}

// checkBinary makes sure that path, given as --binary flag, is an
// executable regular file and that `path version` says it is port-gitops,
// within binaryCheckTimeout.
func checkBinary(ctx context.Context, flag, path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return cmdutil.Usagef("--binary %s: no such file", show(flag))
	case err != nil:
		return cmdutil.Usagef("--binary %s: %v", show(flag), err)
	case !fi.Mode().IsRegular():
		return cmdutil.Usagef("--binary %s: not a regular file", show(flag))
	case fi.Mode().Perm()&0o111 == 0:
		return cmdutil.Usagef("--binary %s: not executable (chmod +x it)", show(flag))
	}
	ctx, cancel := context.WithTimeout(ctx, binaryCheckTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "version")
	out := &capped{max: 4096}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.WaitDelay = time.Second // a child that keeps the output open does not hold us
	err = cmd.Run()
	first, _, _ := strings.Cut(strings.TrimSpace(out.b.String()), "\n")
	if len(first) > 100 {
		first = first[:100] + "..."
	}
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return cmdutil.Usagef("--binary %s: '%s version' did not finish within %s", show(flag), show(path), binaryCheckTimeout)
	case err != nil:
		return cmdutil.Usagef("--binary %s: '%s version' failed: %v: %q", show(flag), show(path), err, first)
	case !strings.HasPrefix(first, "port-gitops "):
		return cmdutil.Usagef("--binary %s is not port-gitops: '%s version' printed %q", show(flag), show(path), first)
	}
	return nil
}

// capped keeps the first max bytes written to it and drops the rest.
type capped struct {
	b   bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.b.Len(); room > 0 {
		c.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
