// Package export is the `port-gitops export` command: it reads entities
// from Port and writes them as entity files, so that a catalog that already
// exists can be kept in git from then on.
//
// It never overwrites a file, writes each file atomically, and reads
// nothing outside the repository. It imports no other command: main.go
// hands it the blueprint pull as a function.
package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/atomicfile"
	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/portflags"
)

// Layouts and formats export writes.
const (
	LayoutEntity    = "entity"    // <dir>/<blueprint>/<identifier>/entity.json (or port.yml)
	LayoutBlueprint = "blueprint" // <dir>/<blueprint>.json (or .yml): a list
)

// Options are the export command's inputs.
type Options struct {
	IO             *cmdutil.IO
	ConfigPath     string
	Blueprints     []string
	All            bool
	Dir            string // --dir ("": the repository root)
	Format         string // json or yaml
	Layout         string // entity or blueprint
	Query          string // a Port search rule set, as JSON
	portflags.Port        // --api-url, --region, --rate-limit-budget, --verbose
	Version        string
	// Pull fetches blueprints into the cache, as `blueprints pull ID...`
	// does (main.go gives it); nil skips that step.
	Pull func(ctx context.Context, ids []string) error
	// Client replaces the client built from the environment (tests).
	Client *portapi.Client
}

// NewCommand returns the export command; pull is `blueprints pull`'s code.
func NewCommand(io *cmdutil.IO, version string, pull func(ctx context.Context, o *Options, ids []string) error) *cli.Command {
	opts := Options{IO: io, Version: version}
	return &cli.Command{
		Name:      "export",
		Usage:     "write Port's entities into entity files, to keep an existing catalog in git",
		ArgsUsage: "[BLUEPRINT...]",
		Description: `Reads the entities of the named blueprints (or --all) from Port, 1,000 a
search page, and writes them as entity files under --dir: one file per
entity (<dir>/<blueprint>/<identifier>/entity.json, or port.yml with
--format yaml) or one list per blueprint (--layout blueprint). Keys come in
the order people write them, Port's bookkeeping fields and unset values are
left out. An identifier that is not a safe file name is made one; names that
collide get -2, -3 and are reported. A file that exists is never
overwritten: it is listed as skipped and export exits 1. When no rule of the
configuration matches what was written, a rule is appended to
.port/gitops.yaml; blueprints missing from the cache are pulled.

Credentials come from PORT_CLIENT_ID and PORT_CLIENT_SECRET.

Exit codes: 0 written, 1 something skipped, 2 usage or configuration error,
3 could not run (network, auth, I/O).

Examples:
   port-gitops export service
   port-gitops export --all --format yaml
   port-gitops export service --layout blueprint --dir catalog
   port-gitops export service --query '{"combinator":"and","rules":[{"property":"$team","operator":"containsAny","value":["payments"]}]}'`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "configuration `FILE` (default: .port/gitops.yaml, looked up)", Destination: &opts.ConfigPath},
			&cli.BoolFlag{Name: "all", Usage: "every blueprint of the organisation", Destination: &opts.All},
			&cli.StringFlag{Name: "dir", Usage: "`DIR` to write into (default: the repository root)", Destination: &opts.Dir},
			&cli.StringFlag{Name: "format", Value: "json", Usage: "file `FORMAT`: json, yaml (entity.json or port.yml)", Destination: &opts.Format},
			&cli.StringFlag{Name: "layout", Value: LayoutEntity, Usage: "`LAYOUT`: entity, blueprint (a file per entity, or a list per blueprint)", Destination: &opts.Layout},
			&cli.StringFlag{Name: "query", Usage: "a Port search rule set as `JSON`, to export a subset", Destination: &opts.Query},
		}, opts.Port.Flags()...),
		Action: func(c *cli.Context) error {
			opts.Blueprints = c.Args().Slice()
			if pull != nil {
				o := opts
				opts.Pull = func(ctx context.Context, ids []string) error { return pull(ctx, &o, ids) }
			}
			return Run(c.Context, opts)
		},
	}
}

// file is one file export means to write.
type file struct {
	rel       string // relative to the repository root, slash-separated
	blueprint string
	ents      []fileEntity
}

// Run exports. It returns cmdutil.ErrFindings when it skipped a file that
// exists (already reported).
func Run(ctx context.Context, opts Options) error {
	switch opts.Format {
	case "", "json":
		opts.Format = "json"
	case "yaml", "yml":
		opts.Format = "yaml"
	default:
		return cmdutil.Usagef("unknown --format %q (valid: json, yaml)", opts.Format)
	}
	switch opts.Layout {
	case "":
		opts.Layout = LayoutEntity
	case LayoutEntity, LayoutBlueprint:
	default:
		return cmdutil.Usagef("unknown --layout %q (valid: %s, %s)", opts.Layout, LayoutEntity, LayoutBlueprint)
	}
	if opts.All == (len(opts.Blueprints) > 0) {
		return cmdutil.Usagef("name the blueprints to export, or give --all (not both)")
	}
	var query json.RawMessage
	if opts.Query != "" {
		var q map[string]any
		if err := json.Unmarshal([]byte(opts.Query), &q); err != nil {
			return cmdutil.Usagef("--query is not a JSON object (a Port search rule set such as {\"combinator\":\"and\",\"rules\":[...]}): %v", err)
		}
		query = json.RawMessage(opts.Query)
	}
	cfg, err := config.Load(opts.IO.Dir, opts.ConfigPath)
	if err != nil {
		return cmdutil.Usage(err)
	}
	dirRel, err := outputDir(opts, cfg)
	if err != nil {
		return err
	}
	client := opts.Client
	if client == nil {
		client, err = cmdutil.PortClient(opts.IO, opts.Port.Client(opts.Version))
		if err != nil {
			return err
		}
	}
	bps := opts.Blueprints
	if opts.All {
		if bps, err = allBlueprints(ctx, client); err != nil {
			return err
		}
	}
	var files []file
	var notes []string
	total := 0
	bpNames := names{}
	for _, bp := range bps {
		var ents []fileEntity
		err := client.SearchEntities(ctx, bp, query, func(raw json.RawMessage) error {
			e, ok := clean(raw)
			if !ok {
				return fmt.Errorf("an entity of %s in Port's answer has no identifier", bp)
			}
			ents = append(ents, e)
			return nil
		})
		if err != nil {
			if portapi.IsNotFound(err) {
				return cmdutil.Usagef("blueprint %q does not exist in Port", bp)
			}
			return fmt.Errorf("read the entities of %s: %w", bp, err)
		}
		slices.SortFunc(ents, func(a, b fileEntity) int { return strings.Compare(a.Identifier, b.Identifier) })
		total += len(ents)
		bpDir, note := bpNames.take(bp)
		if note != "" {
			notes = append(notes, "blueprint "+note)
		}
		fs, more := layout(opts, dirRel, bp, bpDir, ents)
		files = append(files, fs...)
		notes = append(notes, more...)
	}
	newRules := blueprintKeys(cfg, files, opts)
	var written, skipped []string
	w, err := newWriter(cfg.Root)
	if err != nil {
		return err
	}
	w.checked[cfg.Root] = true
	for _, f := range files {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		data, err := render(opts.Format, opts.Layout, f.ents)
		if err != nil {
			return fmt.Errorf("render %s: %w", f.rel, err)
		}
		created, err := w.writeNew(f.rel, data)
		if err != nil {
			return fmt.Errorf("write %s: %w", f.rel, err)
		}
		if created {
			written = append(written, f.rel)
		} else {
			skipped = append(skipped, f.rel)
		}
	}
	out := opts.IO.Out
	for _, n := range notes {
		fmt.Fprintf(out, "note: %s\n", n)
	}
	for _, s := range skipped {
		fmt.Fprintf(out, "skipped %s: the file exists (export never overwrites)\n", opts.IO.Rel(filepath.Join(cfg.Root, filepath.FromSlash(s))))
	}
	fmt.Fprintf(out, "exported %d %s of %d %s: %d %s written, %d skipped\n",
		total, plural(total, "entity", "entities"), len(bps), plural(len(bps), "blueprint", "blueprints"),
		len(written), plural(len(written), "file", "files"), len(skipped))
	var ruleErr error
	if len(newRules) > 0 && len(written) > 0 {
		ruleErr = addRules(opts, cfg, newRules, files)
	}
	if err := pullMissing(ctx, opts, cfg, bps); err != nil {
		return err
	}
	if ruleErr != nil {
		return ruleErr
	}
	if len(skipped) > 0 {
		return cmdutil.ErrFindings
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// outputDir resolves --dir, which must lie inside the repository root and
// outside .port/ and the blueprint cache, to a slash path relative to the
// root ("" for the root itself).
func outputDir(opts Options, cfg *config.Config) (string, error) {
	if opts.Dir == "" {
		return "", nil
	}
	abs := opts.Dir
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(opts.IO.Dir, abs)
	}
	rel, err := filepath.Rel(cfg.Root, filepath.Clean(abs))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", cmdutil.Usagef("--dir %s is outside the repository root %s", opts.Dir, cfg.Root)
	}
	rel = filepath.ToSlash(rel)
	if rel == "." {
		return "", nil
	}
	if cfg.Reserved(rel) || cfg.Reserved(rel+"/x") {
		return "", cmdutil.Usagef("--dir %s is inside .port/ or the blueprint cache, where entity files are never read", opts.Dir)
	}
	return rel, nil
}

func allBlueprints(ctx context.Context, c *portapi.Client) ([]string, error) {
	list, err := c.ListBlueprints(ctx)
	if err != nil {
		return nil, fmt.Errorf("list blueprints: %w", err)
	}
	var ids []string
	for _, raw := range list {
		var b struct {
			Identifier string `json:"identifier"`
		}
		if json.Unmarshal(raw, &b) == nil && b.Identifier != "" && b.Identifier != portapi.SyncStateBlueprint {
			ids = append(ids, b.Identifier)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// layout lays the entities of one blueprint out in files.
func layout(opts Options, dirRel, bp, bpDir string, ents []fileEntity) ([]file, []string) {
	if len(ents) == 0 {
		return nil, nil
	}
	if opts.Layout == LayoutBlueprint {
		ext := ".json"
		if opts.Format == "yaml" {
			ext = ".yml"
		}
		return []file{{rel: join(dirRel, bpDir+ext), blueprint: bp, ents: ents}}, nil
	}
	name := "entity.json"
	if opts.Format == "yaml" {
		name = "port.yml"
	}
	var files []file
	var notes []string
	taken := names{}
	for _, e := range ents {
		dir, note := taken.take(e.Identifier)
		if note != "" {
			notes = append(notes, "entity "+bp+"/"+note)
		}
		files = append(files, file{rel: join(dirRel, bpDir, dir, name), blueprint: bp, ents: []fileEntity{e}})
	}
	return files, notes
}

func join(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "/")
}

// names hands out file names, one per identifier, that are safe on every
// file system and never collide, also where case does not count.
type names map[string]string // lower-case name → the identifier that has it

// take returns id's file name, and a note when it differs from id because
// another identifier has the same safe name.
func (n names) take(id string) (string, string) {
	base := safeName(id)
	name := base
	for i := 2; ; i++ {
		if _, used := n[strings.ToLower(name)]; !used {
			break
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
	n[strings.ToLower(name)] = id
	if name != base {
		return name, fmt.Sprintf("%q written as %s: %s is taken by %q", id, name, base, n[strings.ToLower(base)])
	}
	return name, ""
}

// safeName makes an identifier a file name: letters, digits and . _ @ + =
// - stay, anything else (/, \, :, spaces, control characters) becomes _;
// a name that would be hidden, empty, . or .. starts with _; a long one is
// cut and ends with a hash of the whole identifier.
func safeName(id string) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._@+=-", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || s[0] == '.' {
		s = "_" + s
	}
	if len(s) > 120 {
		sum := sha256.Sum256([]byte(id))
		s = s[:100] + "-" + hex.EncodeToString(sum[:5])
	}
	return s
}

func render(format, layout string, ents []fileEntity) ([]byte, error) {
	list := layout == LayoutBlueprint
	if format == "yaml" {
		return renderYAML(ents, list)
	}
	if list {
		return renderJSON(ents)
	}
	return renderJSON(ents[0])
}

// writer writes new files below a root, creating their directories, and
// refuses a directory on the way that is a link leading outside the root.
type writer struct {
	root     string
	realRoot string
	checked  map[string]bool // directories known to lie inside the root
}

func newWriter(root string) (*writer, error) {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	return &writer{root: root, realRoot: real, checked: map[string]bool{}}, nil
}

// inside makes sure dir exists and resolves inside the root; fresh says
// export has just created it (so it holds no file yet).
func (w *writer) inside(dir string) (fresh bool, err error) {
	if w.checked[dir] {
		return false, nil
	}
	parent := filepath.Dir(dir)
	if dir != w.root && !w.checked[parent] {
		if _, err := w.inside(parent); err != nil {
			return false, err
		}
	}
	err = os.Mkdir(dir, 0o755)
	switch {
	case err == nil:
		fresh = true // made here, under a checked parent: nothing to resolve
	case os.IsExist(err):
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return false, err
		}
		if r, err := filepath.Rel(w.realRoot, real); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return false, errors.New("a directory on the way is a link that leads outside the repository")
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return false, fmt.Errorf("%s is not a directory", dir)
		}
	default:
		return false, err
	}
	w.checked[dir] = true
	return fresh, nil
}

// writeNew writes rel unless a file is there.
func (w *writer) writeNew(rel string, data []byte) (bool, error) {
	path := filepath.Join(w.root, filepath.FromSlash(rel))
	fresh, err := w.inside(filepath.Dir(path))
	if err != nil {
		return false, err
	}
	if !fresh {
		if _, err := os.Lstat(path); err == nil {
			return false, nil
		}
	}
	return atomicfile.WriteNew(path, data, 0o644)
}

// pullMissing pulls the blueprints that were exported and are not in the
// cache yet.
func pullMissing(ctx context.Context, opts Options, cfg *config.Config, bps []string) error {
	if opts.Pull == nil {
		return nil
	}
	cache, err := blueprint.OpenCacheIn(cfg.Root, cfg.BlueprintDir)
	if err != nil {
		return cmdutil.CacheError(err)
	}
	var missing []string
	for _, bp := range bps {
		if !slices.Contains(cache.IDs(), bp) {
			missing = append(missing, bp)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	fmt.Fprintf(opts.IO.Out, "pulling %s into the blueprint cache\n", strings.Join(missing, ", "))
	return opts.Pull(ctx, missing)
}
