package gitdiff

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	format "github.com/go-git/go-git/v5/plumbing/format/config"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/filesystem/dotgit"

	"github.com/port-gitops/port-gitops/internal/safefile"
)

// Repo is an open git repository. It only reads: nothing it does writes to
// the repository. Its methods are safe for concurrent use; blobs in the
// mapped packs are read in parallel, other reads are serialised because
// go-git's pack reader is not safe for concurrent use.
type Repo struct {
	mu     sync.Mutex // guards st and closed
	st     *filesystem.Storage
	closed bool
	fast   *objectReader // tried first; safe for concurrent use on its own
	pre    prefetcher    // blobs read ahead (Prefetch)

	gitDir    string // per-worktree git directory (HEAD, index)
	commonDir string // shared git directory (objects, refs, config)
	root      string // work tree root; "" for a bare repository

	remote     string            // remote to name in fixes: origin, or the first
	remoteURLs map[string]string // remote name → its (first) URL
	promisors  []string
	shallow    map[Hash]bool
}

// Open opens the git repository that contains dir (a directory, or a file
// whose directory is used): dir itself or the
// nearest parent that holds a .git directory or .git file (a linked worktree
// or a submodule), or that is a bare repository. Linked worktrees read
// objects and refs from the main repository and HEAD and the index from
// their own git directory.
//
// Repositories with extensions.worktreeConfig (set by git sparse-checkout
// and some CI systems) open normally: port-gitops only reads, and nothing it
// reads lives in config.worktree. Formats it cannot read (SHA-256 objects,
// reftable refs, unknown extensions) fail with ErrUnsupportedRepository.
//
// Pack files stay open until Close.
func Open(dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open repository %s: %w", dir, err)
	} else if !fi.IsDir() {
		abs = filepath.Dir(abs) // a file: start from its directory
	}
	loc, err := discover(abs)
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", abs, err)
	}
	cfg, err := readConfig(filepath.Join(loc.commonDir, "config"))
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", abs, err)
	}
	if err := checkFormat(cfg); err != nil {
		return nil, fmt.Errorf("open repository %s: %w", abs, err)
	}

	var dotFS billy.Filesystem = osfs.New(loc.gitDir)
	if loc.commonDir != loc.gitDir {
		dotFS = dotgit.NewRepositoryFilesystem(dotFS, osfs.New(loc.commonDir))
	}
	st := filesystem.NewStorageWithOptions(dotFS, cache.NewObjectLRUDefault(), filesystem.Options{
		KeepDescriptors: true,
		// A larger object is read lazily, so its size is known from its
		// header before it is inflated: ReadBlobMax refuses a committed
		// zip bomb without holding it in memory.
		LargeObjectThreshold: safefile.MaxEntityFile,
		// objects/info/alternates (git clone --shared or --reference)
		// holds absolute paths; resolve them from the file-system root.
		AlternatesFS: osfs.New(string(filepath.Separator)),
	})

	r := &Repo{
		st:        st,
		fast:      openObjectReader(filepath.Join(loc.commonDir, "objects")),
		gitDir:    loc.gitDir,
		commonDir: loc.commonDir,
		root:      loc.workTree,
	}
	r.remote, r.remoteURLs, r.promisors = remotes(cfg)
	shallow, err := st.Shallow()
	if err != nil {
		_ = st.Close()
		_ = r.fast.close()
		return nil, fmt.Errorf("open repository %s: read shallow list: %w", abs, err)
	}
	r.shallow = make(map[Hash]bool, len(shallow))
	for _, h := range shallow {
		r.shallow[h] = true
	}
	return r, nil
}

// Close releases the pack files. Calling it more than once is harmless;
// the Repo must not be used afterwards.
func (r *Repo) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	r.stopPrefetch()
	if err := errors.Join(r.fast.close(), r.st.Close()); err != nil {
		return fmt.Errorf("close repository: %w", err)
	}
	return nil
}

// Root returns the absolute path of the work tree root, the directory that
// paths in Change, File and the index are relative to. It is "" for a bare
// repository. It is derived from the directory given to Open without
// resolving symbolic links, so filepath.Rel against paths built from that
// same directory works.
func (r *Repo) Root() string { return r.root }

// RemoteURL returns the URL of the named remote as configured
// (remote.<name>.url, the first if there are several), or "" if there is no
// such remote. It may hold credentials (https://user:token@host/...):
// callers must not print it as it is.
func (r *Repo) RemoteURL(name string) string { return r.remoteURLs[name] }

// HeadBranch returns the short name of the branch HEAD points to ("main"),
// or "" when HEAD is detached (as in most CI checkouts) or not a branch.
func (r *Repo) HeadBranch() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ""
	}
	head, err := r.st.Reference(plumbing.HEAD)
	if err != nil || head.Type() != plumbing.SymbolicReference || !head.Target().IsBranch() {
		return ""
	}
	return head.Target().Short()
}

// location is where discover found a repository.
type location struct {
	gitDir    string
	commonDir string
	workTree  string
}

// discover walks from dir up to the file-system root the way git does: in
// each directory it first looks for .git (a directory, or a file naming the
// git directory), then checks whether the directory itself is a git
// directory (a bare repository).
func discover(dir string) (location, error) {
	for d := dir; ; {
		dotgitPath := filepath.Join(d, ".git")
		fi, err := os.Stat(dotgitPath)
		switch {
		case err == nil && fi.IsDir():
			if isGitDir(dotgitPath) {
				return newLocation(dotgitPath, d)
			}
		case err == nil && fi.Mode().IsRegular():
			gd, err := readGitFile(dotgitPath)
			if err != nil {
				return location{}, err
			}
			if !isGitDir(gd) {
				return location{}, fmt.Errorf("%s points to %s, which is not a git directory", dotgitPath, gd)
			}
			return newLocation(gd, d)
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return location{}, err
		}
		if isGitDir(d) {
			return newLocation(d, "")
		}
		parent := filepath.Dir(d)
		if parent == d {
			return location{}, fmt.Errorf("%w (or any of the parent directories)", ErrNotRepository)
		}
		d = parent
	}
}

func newLocation(gitDir, workTree string) (location, error) {
	loc := location{gitDir: gitDir, commonDir: gitDir, workTree: workTree}
	if common, ok, err := readCommonDir(gitDir); err != nil {
		return location{}, err
	} else if ok {
		loc.commonDir = common
	}
	return loc, nil
}

// readGitFile reads a .git file ("gitdir: <path>"), as written for linked
// worktrees and submodules. A relative path is relative to the file.
func readGitFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	rest, ok := bytes.CutPrefix(line, []byte("gitdir:"))
	if !ok {
		return "", fmt.Errorf("%s: not a gitdir file (no \"gitdir:\" line)", path)
	}
	gd := strings.TrimSpace(string(rest))
	if gd == "" {
		return "", fmt.Errorf("%s: empty gitdir", path)
	}
	if !filepath.IsAbs(gd) {
		gd = filepath.Join(filepath.Dir(path), gd)
	}
	return filepath.Clean(gd), nil
}

// readCommonDir reads gitDir/commondir, present in the git directory of a
// linked worktree; a relative path is relative to gitDir.
func readCommonDir(gitDir string) (string, bool, error) {
	b, err := os.ReadFile(filepath.Join(gitDir, "commondir"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	c := strings.TrimSpace(string(b))
	if c == "" {
		return "", false, fmt.Errorf("%s: empty commondir", filepath.Join(gitDir, "commondir"))
	}
	if !filepath.IsAbs(c) {
		c = filepath.Join(gitDir, c)
	}
	return filepath.Clean(c), true, nil
}

// isGitDir reports whether dir looks like a git directory: a HEAD file and,
// in it or in its common directory, objects and refs directories.
func isGitDir(dir string) bool {
	fi, err := os.Lstat(filepath.Join(dir, "HEAD"))
	if err != nil || !(fi.Mode().IsRegular() || fi.Mode()&fs.ModeSymlink != 0) {
		return false
	}
	common := dir
	if c, ok, err := readCommonDir(dir); err != nil {
		return false
	} else if ok {
		common = c
	}
	for _, sub := range []string{"objects", "refs"} {
		fi, err := os.Stat(filepath.Join(common, sub))
		if err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// readConfig parses the repository's config file without interpreting it,
// so settings go-git would reject cannot stop a read-only tool.
func readConfig(path string) (*format.Config, error) {
	cfg := format.New()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	if err := format.NewDecoder(f).Decode(cfg); err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	return cfg, nil
}

// configValue returns the last value of section.key, as git does.
func configValue(cfg *format.Config, section, key string) (string, bool) {
	val, found := "", false
	for _, s := range cfg.Sections {
		if !s.IsName(section) {
			continue
		}
		for _, o := range s.Options {
			if o.IsKey(key) {
				val, found = o.Value, true
			}
		}
	}
	return val, found
}

// checkFormat applies git's rules for core.repositoryFormatVersion and
// extensions.*, accepting the extensions that do not change how objects,
// refs or the index are stored. worktreeConfig is one of them: it only
// says that config.worktree exists, and go-git's refusal of it (go-git
// 5.17 and later) does not apply because Open never calls go-git's
// repository opener.
func checkFormat(cfg *format.Config) error {
	version, _ := configValue(cfg, "core", "repositoryformatversion")
	switch strings.TrimSpace(version) {
	case "", "0":
		// Version 0 repositories ignore extensions.*, as git does.
		return nil
	case "1":
	default:
		return fmt.Errorf("%w: core.repositoryformatversion is %s; port-gitops reads versions 0 and 1", ErrUnsupportedRepository, version)
	}
	for _, s := range cfg.Sections {
		if !s.IsName("extensions") {
			continue
		}
		for _, o := range s.Options {
			value := strings.ToLower(strings.TrimSpace(o.Value))
			switch strings.ToLower(o.Key) {
			case "noop", "noop-v1", "worktreeconfig", "partialclone", "preciousobjects":
			case "objectformat":
				if value != "sha1" {
					return fmt.Errorf("%w: extensions.objectFormat is %s; port-gitops reads SHA-1 repositories only", ErrUnsupportedRepository, o.Value)
				}
			case "refstorage":
				if value != "files" {
					return fmt.Errorf("%w: extensions.refStorage is %s; convert the refs with `git refs migrate --ref-format=files`", ErrUnsupportedRepository, o.Value)
				}
			default:
				return fmt.Errorf("%w: extensions.%s is not supported", ErrUnsupportedRepository, o.Key)
			}
		}
	}
	return nil
}

// remotes returns the remote to name in suggested commands (origin if it
// exists, else the first), the URL of each remote, and the promisor remotes
// of a partial clone.
func remotes(cfg *format.Config) (string, map[string]string, []string) {
	var names, promisors []string
	urls := map[string]string{}
	for _, s := range cfg.Sections {
		if !s.IsName("remote") {
			continue
		}
		for _, ss := range s.Subsections {
			names = append(names, ss.Name)
			if all := ss.Options.GetAll("url"); len(all) > 0 {
				if _, seen := urls[ss.Name]; !seen {
					urls[ss.Name] = all[0] // git fetches from the first
				}
			}
			if v := ss.Options.Get("promisor"); ss.Options.Has("promisor") && isTrue(v) {
				promisors = append(promisors, ss.Name)
			}
		}
	}
	if v, ok := configValue(cfg, "extensions", "partialclone"); ok && v != "" {
		promisors = append(promisors, v)
	}
	remote := "origin"
	if len(names) > 0 && !slices.Contains(names, "origin") {
		remote = names[0]
	}
	return remote, urls, promisors
}

// isTrue parses a git boolean; a key without a value is true.
func isTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "true", "yes", "on", "1":
		return true
	}
	return false
}
