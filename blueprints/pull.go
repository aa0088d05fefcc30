// Package blueprints is the `port-gitops blueprints` command: `pull` fills
// the repository's blueprint cache from Port, and `pull --check` tells CI
// whether the cache has drifted.
package blueprints

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/atomicfile"
	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/editorschema"
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/portflags"
	"github.com/port-gitops/port-gitops/internal/safefile"
	"github.com/port-gitops/port-gitops/internal/walk"
)

// Options are the pull command's inputs.
type Options struct {
	IO             *cmdutil.IO
	ConfigPath     string
	IDs            []string
	All            bool
	Check          bool
	portflags.Port // --api-url, --region, --rate-limit-budget, --verbose
	Version        string
	retry          portapi.RetryPolicy // tests shorten the waits
}

// NewCommand returns the blueprints command.
func NewCommand(io *cmdutil.IO, version string) *cli.Command {
	opts := Options{IO: io, Version: version}
	return &cli.Command{
		Name:  "blueprints",
		Usage: "manage the blueprint cache",
		Description: `Examples:
   port-gitops blueprints pull
   port-gitops blueprints pull --check
   port-gitops blueprints check`,
		Subcommands: []*cli.Command{checkCommand(io, version), {
			Name:      "pull",
			Usage:     "fetch blueprints from Port into the blueprint cache",
			ArgsUsage: "[ID...]",
			Description: `Fetches the named blueprints, or every blueprint the configuration and the
entity files use (and the blueprints their relations point at), into the
cache: one file per blueprint, keys sorted, Port's bookkeeping fields
dropped, so a pull that changed nothing leaves git diff empty. A blueprint
Port does not have is reported where the entity files or the configuration
name it, with a "did you mean"; the others are still written, and pull
exits 1. Any other failure (network, credentials, a bad answer) writes
nothing. --all leaves out port_gitops_sync_state, sync's own state.

Credentials come from PORT_CLIENT_ID and PORT_CLIENT_SECRET.

Examples:
   port-gitops blueprints pull
   port-gitops blueprints pull microservice system
   port-gitops blueprints pull --check        # exit 1 when the cache is stale`,
			Flags: append([]cli.Flag{
				&cli.StringFlag{Name: "config", Usage: "configuration `FILE`", Destination: &opts.ConfigPath},
				&cli.BoolFlag{Name: "all", Usage: "every blueprint of the organisation", Destination: &opts.All},
				&cli.BoolFlag{Name: "check", Usage: "compare with the cache and write nothing; exit 1 when it is stale", Destination: &opts.Check},
			}, opts.Port.Flags()...),
			Action: func(c *cli.Context) error {
				opts.IDs = c.Args().Slice()
				return Pull(c.Context, opts)
			},
		}},
	}
}

// serverFields are kept by Port, not by the repository.
var serverFields = []string{"createdAt", "updatedAt", "createdBy", "updatedBy"}

// Canonical renders a blueprint for the cache: server-managed fields
// dropped, keys sorted, two-space indent, a trailing newline.
func Canonical(raw json.RawMessage) ([]byte, string, error) {
	var bp map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&bp); err != nil {
		return nil, "", fmt.Errorf("blueprint from Port is not a JSON object: %w", err)
	}
	for _, k := range serverFields {
		delete(bp, k)
	}
	id, _ := bp["identifier"].(string)
	if id == "" {
		return nil, "", errors.New("blueprint from Port has no identifier")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(bp); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), id, nil
}

// Pull fetches and writes (or checks) the blueprints.
func Pull(ctx context.Context, opts Options) error {
	if opts.All && len(opts.IDs) > 0 {
		return cmdutil.Usagef("give blueprint identifiers or --all, not both")
	}
	cfg, err := config.Load(opts.IO.Dir, opts.ConfigPath)
	if err != nil {
		return cmdutil.ConfigError(err)
	}
	po := opts.Port.Client(opts.Version)
	po.Retry = opts.retry
	client, err := cmdutil.PortClient(opts.IO, po)
	if err != nil {
		return err
	}
	fetched := map[string][]byte{}
	var missing []missingBlueprint
	var org []string // the organisation's blueprints, when fetch listed them
	skipped := ""
	if opts.All {
		// The error names the request that failed (the token's or the
		// list's): no prefix that could blame the wrong one.
		list, err := client.ListBlueprints(ctx)
		if err != nil {
			return err
		}
		for i, raw := range list {
			if err := checkSize(raw); err != nil {
				return fmt.Errorf("blueprint %d of %d in Port's list: %w", i+1, len(list), err)
			}
			data, id, err := Canonical(raw)
			if err != nil {
				return fmt.Errorf("blueprint %d of %d in Port's list: %w", i+1, len(list), err)
			}
			if _, dup := fetched[id]; dup || id == skipped {
				return fmt.Errorf("Port's list of blueprints holds %q twice: nothing written", id)
			}
			if id == portapi.SyncStateBlueprint {
				// Sync's own bookkeeping, not part of the catalog.
				skipped = id
				continue
			}
			fetched[id] = data
		}
	} else {
		ids := opts.IDs
		refs := map[string]*placeList{}
		if len(ids) == 0 {
			if ids, refs, err = referenced(cfg); err != nil {
				return err
			}
			if len(ids) == 0 {
				return cmdutil.Usagef("no blueprint to pull: the configuration and the entity files name none; give identifiers or --all")
			}
		}
		if missing, org, err = fetch(ctx, client, ids, len(opts.IDs) == 0, fetched, refs, cfg.BlueprintDir); err != nil {
			return err
		}
	}
	ids := make([]string, 0, len(fetched))
	for id := range fetched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if skipped != "" {
		fmt.Fprintf(opts.IO.Out, "skipped   %s: port-gitops sync's state, not part of the catalog\n", skipped)
	}
	if opts.Check {
		err := check(opts, cfg, ids, fetched)
		if len(missing) > 0 {
			reportMissing(opts, cfg, missing, org, fetched)
			return cmdutil.ErrFindings
		}
		return err
	}
	if len(ids) > 0 {
		if err := os.MkdirAll(cfg.BlueprintDir, 0o755); err != nil {
			return fmt.Errorf("create the blueprint cache: %w", err)
		}
	}
	// The cache directory is repository content: a link (or a path in the
	// configuration) that leads outside the repository is not written to.
	if root, err := safefile.NewRoot(cfg.Root); err != nil {
		return err
	} else if _, err := root.Resolve(cfg.BlueprintDir); errors.Is(err, safefile.ErrNotRegular) {
		return cmdutil.Usagef("the blueprint cache %s leads outside the repository: port-gitops writes only inside it", opts.IO.Rel(cfg.BlueprintDir))
	} else if err != nil {
		return fmt.Errorf("blueprint cache: %w", err)
	}
	for _, id := range ids {
		path := filepath.Join(cfg.BlueprintDir, blueprint.FileName(id))
		old, _ := readCached(cfg, path)
		if bytes.Equal(old, fetched[id]) {
			fmt.Fprintf(opts.IO.Out, "unchanged %s\n", opts.IO.Rel(path))
			continue
		}
		if err := atomicfile.WriteFile(path, fetched[id], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		fmt.Fprintf(opts.IO.Out, "wrote %s\n", opts.IO.Rel(path))
	}
	if err := refreshSchemas(opts, cfg); err != nil {
		return err
	}
	if len(missing) > 0 {
		reportMissing(opts, cfg, missing, org, fetched)
		return cmdutil.ErrFindings
	}
	return nil
}

// refreshSchemas re-exports the editor schemas (schemas export) when their
// directory exists, so they follow the cache. A failure is a warning.
func refreshSchemas(opts Options, cfg *config.Config) error {
	dir := filepath.Join(cfg.Root, filepath.FromSlash(editorschema.DefaultDir))
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil
	}
	changes, _, _, err := editorschema.ExportConfig(cfg, dir, false)
	if err != nil && !errors.Is(err, editorschema.ErrEmptyCache) {
		// The cache is written; the schemas are a convenience on top.
		fmt.Fprintf(opts.IO.Err, "port-gitops: warning: the editor schemas in %s were not refreshed: %v\n", opts.IO.Rel(dir), err)
		return nil
	}
	for _, c := range changes {
		if c.What != "unchanged" {
			fmt.Fprintf(opts.IO.Out, "%-9s %s\n", c.What, opts.IO.Rel(filepath.Join(dir, filepath.FromSlash(c.Rel))))
		}
	}
	return nil
}

// fetch gets each blueprint and, when withTargets, the blueprints their
// relations point at (one level: what validate needs to know of them). A
// blueprint Port does not have (404), or whose name cannot be a blueprint
// identifier, is returned in missing, with the places of refs that name it
// and the relations that target it; any other failure is an error.
//
// After the first 404 it gets the organisation's list of blueprints once:
// a name not in it is missing without a request of its own (so a thousand
// typos cost one request, not a thousand), and the list is returned for
// suggestions (nil when there was no 404 or the list could not be had).
func fetch(ctx context.Context, c *portapi.Client, ids []string, withTargets bool, into map[string][]byte, refs map[string]*placeList, cacheDir string) ([]missingBlueprint, []string, error) {
	queue := append([]string(nil), ids...)
	named := map[string]bool{}
	for _, id := range ids {
		named[id] = true
	}
	type origin struct{ blueprint, relation string }
	targetedBy := map[string][]origin{}
	absent := map[string]bool{}
	var missing []string
	var org map[string]bool // the organisation's blueprints, once a 404 made it worth asking
	listed := false
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if _, done := into[id]; done || absent[id] {
			continue
		}
		if blueprint.CheckIdentifier(id) != nil || org != nil && !org[id] {
			absent[id] = true
			missing = append(missing, id)
			continue
		}
		raw, err := c.GetBlueprint(ctx, id)
		if portapi.IsNotFound(err) {
			absent[id] = true
			missing = append(missing, id)
			if !listed {
				listed = true
				org = orgBlueprints(ctx, c)
			}
			continue
		}
		if err != nil {
			// It names the request that failed: GET of the blueprint, or
			// the token request before it.
			return nil, nil, err
		}
		data, got, err := Canonical(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("blueprint %s: %w", id, err)
		}
		if got != id {
			return nil, nil, fmt.Errorf("asked Port for blueprint %q, it answered blueprint %q: nothing written", id, got)
		}
		into[id] = data
		if !withTargets || !named[id] {
			continue
		}
		var bp struct {
			Relations map[string]struct {
				Target string `json:"target"`
			} `json:"relations"`
		}
		if json.Unmarshal(raw, &bp) == nil {
			names := make([]string, 0, len(bp.Relations))
			for name := range bp.Relations {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				if t := bp.Relations[name].Target; t != "" {
					targetedBy[t] = append(targetedBy[t], origin{id, name})
					queue = append(queue, t)
				}
			}
		}
	}
	out := make([]missingBlueprint, 0, len(missing))
	for _, id := range missing {
		m := missingBlueprint{id: id, places: refs[id]}
		if m.places == nil {
			m.places = &placeList{}
		}
		for _, o := range targetedBy[id] {
			pl := place{file: filepath.Join(cacheDir, blueprint.FileName(o.blueprint)), relation: o.relation, of: o.blueprint}
			if root, _, err := entity.Parse(into[o.blueprint]); err == nil {
				if v := root.Lookup([]string{"relations", o.relation, "target"}); v != nil {
					pl.line, pl.col = v.Pos.Line, v.Pos.Column
				}
			}
			m.places.add(pl)
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	var known []string
	if org != nil {
		for id := range org {
			known = append(known, id)
		}
		sort.Strings(known)
	}
	return out, known, nil
}

// orgBlueprints returns the identifiers of the organisation's blueprints,
// or nil when Port's list cannot be had (the caller then asks for each).
func orgBlueprints(ctx context.Context, c *portapi.Client) map[string]bool {
	list, err := c.ListBlueprints(ctx)
	if err != nil {
		return nil
	}
	set := make(map[string]bool, len(list))
	for _, raw := range list {
		var bp struct {
			Identifier string `json:"identifier"`
		}
		if json.Unmarshal(raw, &bp) != nil || bp.Identifier == "" {
			return nil // not a list to trust for "does not exist"
		}
		set[bp.Identifier] = true
	}
	return set
}

// maxPlaces is how many places naming one unknown blueprint are reported;
// the rest are counted.
const maxPlaces = 5

// maxSummaryNames is how many unknown blueprints the summary line names.
const maxSummaryNames = 10

// place is where the repository names a blueprint: an entity's "blueprint"
// key, a configuration rule's blueprint, or (with relation set) the target
// of a relation of blueprint of, in that blueprint's cache file.
type place struct {
	file      string // absolute
	line, col int    // 1-based; 0 when unknown
	relation  string
	of        string
}

func (p place) less(q place) bool {
	if p.file != q.file {
		return p.file < q.file
	}
	if p.line != q.line {
		return p.line < q.line
	}
	if p.col != q.col {
		return p.col < q.col
	}
	return p.relation < q.relation
}

// placeList keeps the first maxPlaces places (in file, line, column order,
// whatever order they were found in) and counts all of them, so a name
// repeated in thousands of files costs little memory.
type placeList struct {
	first []place
	n     int
}

func (l *placeList) add(p place) {
	l.n++
	i := sort.Search(len(l.first), func(i int) bool { return p.less(l.first[i]) })
	if i >= maxPlaces {
		return
	}
	l.first = append(l.first, place{})
	copy(l.first[i+1:], l.first[i:])
	l.first[i] = p
	if len(l.first) > maxPlaces {
		l.first = l.first[:maxPlaces]
	}
}

// missingBlueprint is a blueprint that was asked for and that Port does not
// have, with the places that name it (none when it was named on the
// command line).
type missingBlueprint struct {
	id     string
	places *placeList
}

// reportMissing prints each unknown blueprint at every place that names it
// (the first few, then a count), with a "did you mean" from the
// organisation's blueprints (org, when fetch could list them), else from
// those fetched and cached, and a summary line.
func reportMissing(opts Options, cfg *config.Config, missing []missingBlueprint, org []string, fetched map[string][]byte) {
	known := knownBlueprints(org, cfg, fetched)
	names := make([]string, 0, len(missing))
	for _, m := range missing {
		names = append(names, m.id)
		hint := ""
		if s := entity.Suggest(m.id, without(known, m.id)); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		if m.places.n == 0 {
			fmt.Fprintf(opts.IO.Out, "error: blueprint %q does not exist in Port%s [unknown-blueprint]\n", m.id, hint)
			continue
		}
		for _, p := range m.places.first {
			at := opts.IO.Rel(p.file)
			if p.line > 0 {
				at = fmt.Sprintf("%s:%d:%d", at, p.line, p.col)
			}
			if p.relation != "" {
				fmt.Fprintf(opts.IO.Out, "%s: error: relation %q of blueprint %q targets blueprint %q, which does not exist in Port%s [unknown-blueprint]\n", at, p.relation, p.of, m.id, hint)
			} else {
				fmt.Fprintf(opts.IO.Out, "%s: error: blueprint %q does not exist in Port%s [unknown-blueprint]\n", at, m.id, hint)
			}
		}
		if more := m.places.n - len(m.places.first); more > 0 {
			fmt.Fprintf(opts.IO.Out, "  ... and %d more %s naming blueprint %q\n", more, plural(more, "place", "places"), m.id)
		}
	}
	verb := "does"
	if len(missing) > 1 {
		verb = "do"
	}
	list := strings.Join(names, ", ")
	if len(names) > maxSummaryNames {
		list = fmt.Sprintf("%s and %d more", strings.Join(names[:maxSummaryNames], ", "), len(names)-maxSummaryNames)
	}
	fmt.Fprintf(opts.IO.Out, "%d %s %s not exist in Port: %s\n", len(missing), plural(len(missing), "blueprint", "blueprints"), verb, list)
}

// knownBlueprints lists the blueprints a mistyped name may have meant: the
// organisation's when fetch could list them, else the ones fetched and the
// ones in the cache. Sync's state blueprint is never one.
func knownBlueprints(org []string, cfg *config.Config, fetched map[string][]byte) []string {
	set := map[string]bool{}
	for _, id := range org {
		set[id] = true
	}
	if org == nil {
		for id := range fetched {
			set[id] = true
		}
		if cache, err := blueprint.OpenCacheIn(cfg.Root, cfg.BlueprintDir); err == nil {
			for _, id := range cache.IDs() {
				set[id] = true
			}
		}
	}
	delete(set, portapi.SyncStateBlueprint)
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func without(ids []string, id string) []string {
	out := make([]string, 0, len(ids))
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// checkSize refuses a blueprint over portapi.MaxBlueprintBytes (a GET of
// one is bounded by the client; an entry of the list is checked here).
func checkSize(raw json.RawMessage) error {
	if len(raw) > portapi.MaxBlueprintBytes {
		return fmt.Errorf("the blueprint is %d bytes, over the %d MiB limit", len(raw), portapi.MaxBlueprintBytes>>20)
	}
	return nil
}

// referenced lists the blueprints the configuration's rules and the entity
// files name, and where each is named.
func referenced(cfg *config.Config) ([]string, map[string]*placeList, error) {
	refs := map[string]*placeList{}
	add := func(id string, p place) {
		l := refs[id]
		if l == nil {
			l = &placeList{}
			refs[id] = l
		}
		l.add(p)
	}
	for _, r := range cfg.Rules {
		if r.Blueprint != "" {
			add(r.Blueprint, place{file: cfg.Path, line: r.BlueprintLine, col: r.BlueprintColumn})
		}
	}
	err := walk.Walk(cfg, cfg.Root, func(f *walk.File) {
		data, err := f.Read()
		if err != nil {
			return
		}
		root, _, err := entity.ParseAs(nil, entity.FormatOf(f.Format, f.Rel), data)
		if err != nil {
			return
		}
		ents, _ := entity.Extract(root)
		for _, e := range ents {
			if e.Blueprint != "" {
				add(e.Blueprint, place{file: f.Abs, line: e.BlueprintNode.Pos.Line, col: e.BlueprintNode.Pos.Column})
			}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, 0, len(refs))
	for id := range refs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, refs, nil
}

// readCached reads a cached blueprint file as validate does: a regular file
// inside the repository, at most safefile.MaxBlueprintFile bytes (a FIFO in
// the cache must not stall a pull).
func readCached(cfg *config.Config, path string) ([]byte, error) {
	root, err := safefile.NewRoot(cfg.Root)
	if err != nil {
		return nil, err
	}
	return root.ReadFile(path, safefile.MaxBlueprintFile)
}

// check compares the fetched blueprints with the cache and reports drift.
func check(opts Options, cfg *config.Config, ids []string, fetched map[string][]byte) error {
	stale := 0
	for _, id := range ids {
		path := filepath.Join(cfg.BlueprintDir, blueprint.FileName(id))
		old, err := readCached(cfg, path)
		switch {
		case err != nil:
			stale++
			fmt.Fprintf(opts.IO.Out, "missing   %s: not in the cache\n", id)
		case bytes.Equal(old, fetched[id]):
			fmt.Fprintf(opts.IO.Out, "current   %s\n", id)
		default:
			stale++
			fmt.Fprintf(opts.IO.Out, "stale     %s: %s\n", id, diffSummary(old, fetched[id]))
		}
	}
	if stale > 0 {
		fmt.Fprintf(opts.IO.Out, "%d of %d blueprints differ from Port: run port-gitops blueprints pull and commit the cache\n", stale, len(ids))
		return cmdutil.ErrFindings
	}
	fmt.Fprintf(opts.IO.Out, "the blueprint cache is current (%d blueprints)\n", len(ids))
	return nil
}

// diffSummary says which properties and relations were added, removed or
// changed, and which other fields differ.
func diffSummary(old, new []byte) string {
	var a, b map[string]any
	if json.Unmarshal(old, &a) != nil || json.Unmarshal(new, &b) != nil {
		return "the cached file is not valid JSON"
	}
	var parts []string
	section := func(name string, x, y map[string]any) {
		var added, removed, changed []string
		for k, v := range y {
			if ov, ok := x[k]; !ok {
				added = append(added, k)
			} else if !jsonEqual(ov, v) {
				changed = append(changed, k)
			}
		}
		for k := range x {
			if _, ok := y[k]; !ok {
				removed = append(removed, k)
			}
		}
		for _, l := range []struct {
			verb string
			ids  []string
		}{{"added", added}, {"removed", removed}, {"changed", changed}} {
			if len(l.ids) > 0 {
				sort.Strings(l.ids)
				parts = append(parts, fmt.Sprintf("%s %s %s", name, l.verb, strings.Join(l.ids, ", ")))
			}
		}
	}
	props := func(m map[string]any) map[string]any {
		s, _ := m["schema"].(map[string]any)
		p, _ := s["properties"].(map[string]any)
		return p
	}
	rels := func(m map[string]any) map[string]any { r, _ := m["relations"].(map[string]any); return r }
	section("properties", props(a), props(b))
	section("relations", rels(a), rels(b))
	var other []string
	for k := range union(a, b) {
		if k == "relations" {
			continue
		}
		if k == "schema" {
			sa, _ := a["schema"].(map[string]any)
			sb, _ := b["schema"].(map[string]any)
			if !jsonEqual(sa["required"], sb["required"]) {
				other = append(other, "schema.required")
			}
			continue
		}
		if !jsonEqual(a[k], b[k]) {
			other = append(other, k)
		}
	}
	if len(other) > 0 {
		sort.Strings(other)
		parts = append(parts, "changed "+strings.Join(other, ", "))
	}
	if len(parts) == 0 {
		return "formatting differs"
	}
	return strings.Join(parts, "; ")
}

func union(a, b map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
