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
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/safefile"
	"github.com/port-gitops/port-gitops/internal/walk"
)

// Options are the pull command's inputs.
type Options struct {
	IO         *cmdutil.IO
	ConfigPath string
	IDs        []string
	All        bool
	Check      bool
	APIURL     string
	Region     string
	Verbose    bool
	Version    string
	retry      portapi.RetryPolicy // tests shorten the waits
}

// NewCommand returns the blueprints command.
func NewCommand(io *cmdutil.IO, version string) *cli.Command {
	opts := Options{IO: io, Version: version}
	return &cli.Command{
		Name:  "blueprints",
		Usage: "manage the blueprint cache",
		Description: `Examples:
   port-gitops blueprints pull
   port-gitops blueprints pull --check`,
		Subcommands: []*cli.Command{{
			Name:      "pull",
			Usage:     "fetch blueprints from Port into the blueprint cache",
			ArgsUsage: "[ID...]",
			Description: `Fetches the named blueprints, or every blueprint the configuration and the
entity files use (and the blueprints their relations point at), into the
cache: one file per blueprint, keys sorted, Port's bookkeeping fields
dropped, so a pull that changed nothing leaves git diff empty. Nothing is
written unless every blueprint was fetched.

Credentials come from PORT_CLIENT_ID and PORT_CLIENT_SECRET.

Examples:
   port-gitops blueprints pull
   port-gitops blueprints pull microservice system
   port-gitops blueprints pull --check        # exit 1 when the cache is stale`,
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "config", Usage: "configuration `FILE`", Destination: &opts.ConfigPath},
				&cli.BoolFlag{Name: "all", Usage: "every blueprint of the organisation", Destination: &opts.All},
				&cli.BoolFlag{Name: "check", Usage: "compare with the cache and write nothing; exit 1 when it is stale", Destination: &opts.Check},
				&cli.StringFlag{Name: "api-url", Usage: "Port API `URL` (default: PORT_BASE_URL, else by --region)", Destination: &opts.APIURL},
				&cli.StringFlag{Name: "region", Usage: "Port region: eu (default) or us", Destination: &opts.Region},
				&cli.BoolFlag{Name: "verbose", Usage: "log each API request to stderr (never credentials)", Destination: &opts.Verbose},
			},
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
		return cmdutil.Usage(err)
	}
	client, err := cmdutil.PortClient(opts.IO, cmdutil.PortOptions{
		APIURL: opts.APIURL, Region: opts.Region, Verbose: opts.Verbose, Version: opts.Version, Retry: opts.retry,
	})
	if err != nil {
		return err
	}
	fetched := map[string][]byte{}
	if opts.All {
		list, err := client.ListBlueprints(ctx)
		if err != nil {
			return fmt.Errorf("list blueprints: %w", err)
		}
		for _, raw := range list {
			data, id, err := Canonical(raw)
			if err != nil {
				return err
			}
			fetched[id] = data
		}
	} else {
		ids := opts.IDs
		if len(ids) == 0 {
			if ids, err = referenced(cfg); err != nil {
				return err
			}
			if len(ids) == 0 {
				return cmdutil.Usagef("no blueprint to pull: the configuration and the entity files name none; give identifiers or --all")
			}
		}
		if err := fetch(ctx, client, ids, len(opts.IDs) == 0, fetched); err != nil {
			return err
		}
	}
	ids := make([]string, 0, len(fetched))
	for id := range fetched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if opts.Check {
		return check(opts, cfg, ids, fetched)
	}
	if err := os.MkdirAll(cfg.BlueprintDir, 0o755); err != nil {
		return fmt.Errorf("create the blueprint cache: %w", err)
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
	return nil
}

// fetch gets each blueprint and, when withTargets, the blueprints their
// relations point at (one level: what validate needs to know of them).
func fetch(ctx context.Context, c *portapi.Client, ids []string, withTargets bool, into map[string][]byte) error {
	queue := append([]string(nil), ids...)
	named := map[string]bool{}
	for _, id := range ids {
		named[id] = true
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if _, done := into[id]; done {
			continue
		}
		raw, err := c.GetBlueprint(ctx, id)
		if portapi.IsNotFound(err) {
			return fmt.Errorf("blueprint %q does not exist in Port", id)
		}
		if err != nil {
			return fmt.Errorf("get blueprint %s: %w", id, err)
		}
		data, _, err := Canonical(raw)
		if err != nil {
			return fmt.Errorf("blueprint %s: %w", id, err)
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
			for _, r := range bp.Relations {
				if r.Target != "" {
					queue = append(queue, r.Target)
				}
			}
		}
	}
	return nil
}

// referenced lists the blueprints the configuration's rules and the entity
// files name.
func referenced(cfg *config.Config) ([]string, error) {
	set := map[string]bool{}
	for _, r := range cfg.Rules {
		if r.Blueprint != "" {
			set[r.Blueprint] = true
		}
	}
	err := walk.Walk(cfg, cfg.Root, func(f *walk.File) {
		data, err := f.Read()
		if err != nil {
			return
		}
		root, _, err := entity.Parse(data)
		if err != nil {
			return
		}
		ents, _ := entity.Extract(root)
		for _, e := range ents {
			if e.Blueprint != "" {
				set[e.Blueprint] = true
			}
		}
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
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
