// Package drift is the `port-gitops drift` command: it compares every
// entity defined at HEAD with the entity Port holds and reports what was
// changed in Port, what is missing from it, and, in the blueprints the
// repository owns, what Port has that no file defines.
//
// It reads the entity files from git's objects at HEAD (never the working
// tree, never outside the repository), only reads from Port, and imports
// no other command.
package drift

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/entitydiff"
	"github.com/port-gitops/port-gitops/internal/gitdiff"
	"github.com/port-gitops/port-gitops/internal/lint"
	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/portflags"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// Formats drift writes.
var Formats = []string{"text", "json", "markdown"}

// Options are the drift command's inputs.
type Options struct {
	IO             *cmdutil.IO
	ConfigPath     string
	Format         string
	portflags.Port // --api-url, --region, --rate-limit-budget, --verbose
	Version        string
	// Client replaces the client built from the environment (tests).
	Client *portapi.Client
}

// NewCommand returns the drift command.
func NewCommand(io *cmdutil.IO, version string) *cli.Command {
	opts := Options{IO: io, Version: version}
	return &cli.Command{
		Name:  "drift",
		Usage: "compare the entities defined at HEAD with Port's, and report what differs",
		Description: `Reads every entity file at HEAD (from git, not the working tree) and the
entities of their blueprints in Port (1,000 a search page), and reports
entities changed in Port (each field, git's value and Port's, with Port's
updatedBy and updatedAt), entities missing from Port, and, for the
blueprints the configuration lists under owns:, entities in Port that no
file defines. sync --full puts back what is changed or missing; with
--prune it also deletes the extras of owned blueprints. Meant for a
scheduled CI job; when GITHUB_STEP_SUMMARY is set, a Markdown report is
appended to it.

Credentials come from PORT_CLIENT_ID and PORT_CLIENT_SECRET.

Exit codes: 0 no drift, 1 drift (or an entity file that does not parse),
2 usage or configuration error, 3 could not run (git, network, auth).

Examples:
   port-gitops drift
   port-gitops drift --format markdown >> "$GITHUB_STEP_SUMMARY"
   port-gitops drift --format json | jq '.changed[].identifier'`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "configuration `FILE` (default: .port/gitops.yaml, looked up)", Destination: &opts.ConfigPath},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text, json, markdown", Destination: &opts.Format},
		}, opts.Port.Flags()...),
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return cmdutil.Usagef("drift takes no arguments, got %q", c.Args().First())
			}
			return Run(c.Context, opts)
		},
	}
}

// Field is one field of an entity changed in Port: Git is the value the
// file defines, Port the value Port holds (nil: unset).
type Field struct {
	Field string `json:"field"`
	Git   any    `json:"git"`
	Port  any    `json:"port"`
}

// Entity is one entity that drifted.
type Entity struct {
	Blueprint  string `json:"blueprint"`
	Identifier string `json:"identifier"`
	File       string `json:"file,omitempty"` // relative to the repository root
	Line       int    `json:"line,omitempty"`
	Column     int    `json:"column,omitempty"`
	UpdatedBy  string `json:"updatedBy,omitempty"`
	UpdatedAt  string `json:"updatedAt,omitempty"`
	// Fields are the fields that differ (changed entities only).
	Fields []Field `json:"fields,omitempty"`
	// Uncomparable says the file holds something Port's equality does
	// not cover, so the entity counts as changed whatever Fields says.
	Uncomparable bool `json:"uncomparable,omitempty"`
}

// Unreadable is an entity file at HEAD that does not parse.
type Unreadable struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// Result is what drift found.
type Result struct {
	Drift      bool         `json:"drift"`
	Head       string       `json:"head"`
	Entities   int          `json:"entities"` // defined at HEAD
	Blueprints []string     `json:"blueprints"`
	Owned      []string     `json:"owned"`
	Changed    []Entity     `json:"changed"`
	Missing    []Entity     `json:"missing"`
	Extra      []Entity     `json:"extra"`
	Unreadable []Unreadable `json:"unreadable"`
}

// Run compares and reports. It returns cmdutil.ErrFindings when there is
// drift (already reported).
func Run(ctx context.Context, opts Options) error {
	if opts.Format == "" {
		opts.Format = "text"
	}
	if !slices.Contains(Formats, opts.Format) {
		return cmdutil.Usagef("unknown --format %q (valid: %s)", opts.Format, strings.Join(Formats, ", "))
	}
	cfg, err := config.Load(opts.IO.Dir, opts.ConfigPath)
	if err != nil {
		return cmdutil.Usage(err)
	}
	cache, err := blueprint.OpenCacheIn(cfg.Root, cfg.BlueprintDir)
	if err != nil {
		return cmdutil.CacheError(err)
	}
	client := opts.Client
	if client == nil {
		client, err = cmdutil.PortClient(opts.IO, opts.Port.Client(opts.Version))
		if err != nil {
			return err
		}
	}
	repo, err := gitdiff.Open(cfg.Root)
	if err != nil {
		return fmt.Errorf("open git repository: %w", err)
	}
	defer repo.Close()
	res, err := Compare(ctx, client, repo, cfg, cache)
	if err != nil {
		return err
	}
	if err := render(opts, cfg, res); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if opts.Format != "markdown" {
		if err := opts.IO.AppendStepSummary(Markdown(res)); err != nil {
			return err
		}
	}
	if res.Drift || len(res.Unreadable) > 0 {
		return cmdutil.ErrFindings
	}
	return nil
}

// defined is an entity a file at HEAD defines.
type defined struct {
	Entity
	body json.RawMessage
}

type key struct{ bp, id string }

// Compare reads the entity files at HEAD and the entities of their
// blueprints (and the owned ones) in Port, and returns the drift.
func Compare(ctx context.Context, client *portapi.Client, repo *gitdiff.Repo, cfg *config.Config, cache *blueprint.Cache) (*Result, error) {
	top := repo.Root()
	if top == "" {
		return nil, cmdutil.Usagef("drift needs a work tree: %s is a bare repository", cfg.Root)
	}
	prefix := ""
	if rel, err := filepath.Rel(top, cfg.Root); err == nil && rel != "." {
		prefix = filepath.ToSlash(rel) + "/"
	}
	head, err := repo.Resolve("HEAD")
	if err != nil {
		return nil, fmt.Errorf("resolve HEAD: %w", err)
	}
	ruleOf := func(p string) *config.Rule {
		rel, ok := strings.CutPrefix(p, prefix)
		if !ok {
			return nil
		}
		return cfg.Match(rel)
	}
	files, err := repo.Files(head, func(p string) bool { return ruleOf(p) != nil })
	if err != nil {
		return nil, fmt.Errorf("list entity files at HEAD: %w", err)
	}
	res := &Result{Head: head.String(), Owned: slices.Clone(cfg.Owns), Changed: []Entity{}, Missing: []Entity{}, Extra: []Entity{}, Unreadable: []Unreadable{}}
	defs := map[key]defined{}
	var unparsable [][]byte
	for _, f := range files {
		rel := strings.TrimPrefix(f.Path, prefix)
		data, err := repo.ReadBlobMax(f.Hash, safefile.MaxEntityFile)
		if err != nil {
			return nil, fmt.Errorf("read %s at HEAD: %w", rel, err)
		}
		root, _, err := entity.ParseAs(nil, ruleOf(f.Path).FileFormat(rel), data)
		if err != nil {
			u := Unreadable{File: rel, Message: err.Error()}
			var se *entity.SyntaxError
			if errors.As(err, &se) {
				u.Line, u.Column, u.Message = se.Pos.Line, se.Pos.Column, se.Msg
			}
			res.Unreadable = append(res.Unreadable, u)
			unparsable = append(unparsable, data)
			continue
		}
		ents, _ := entity.Extract(root)
		if lint.MayReference(data) {
			// file:// values stand for their target's content at HEAD, as
			// sync sends them.
			l := &lint.Linter{Cache: cache, Refs: lint.RefFunc(repo.FileReader(head, prefix, safefile.MaxReferencedFile))}
			l.Substitute(lint.Source{File: rel, Blueprint: ruleOf(f.Path).Blueprint}, ents)
		}
		for _, e := range ents {
			bp := e.Blueprint
			if bp == "" {
				bp = ruleOf(f.Path).Blueprint
			}
			if e.Identifier == "" || bp == "" {
				continue // validate reports it; drift has nothing to compare
			}
			b, err := entitydiff.Body(e.Node)
			if err != nil {
				continue
			}
			k := key{bp, e.Identifier}
			if _, dup := defs[k]; dup {
				continue // duplicate-entity: the first definition counts
			}
			defs[k] = defined{Entity{Blueprint: bp, Identifier: e.Identifier, File: rel, Line: e.Node.Pos.Line, Column: e.Node.Pos.Column}, b}
		}
	}
	res.Entities = len(defs)
	bps := map[string]bool{}
	for k := range defs {
		bps[k.bp] = true
	}
	for _, bp := range cfg.Owns {
		bps[bp] = true
	}
	res.Blueprints = slices.Sorted(maps.Keys(bps))
	for _, bp := range res.Blueprints {
		inPort := map[string]json.RawMessage{}
		err := client.SearchEntities(ctx, bp, nil, func(raw json.RawMessage) error {
			var e struct {
				Identifier string `json:"identifier"`
			}
			if json.Unmarshal(raw, &e) == nil && e.Identifier != "" {
				inPort[e.Identifier] = raw
			}
			return nil
		})
		if err != nil && !portapi.IsNotFound(err) {
			return nil, fmt.Errorf("read the entities of %s in Port: %w", bp, err)
		}
		def, _ := cache.Get(bp)
		for k, d := range defs {
			if k.bp != bp {
				continue
			}
			raw, ok := inPort[k.id]
			if !ok {
				res.Missing = append(res.Missing, d.Entity)
				continue
			}
			changes, comparable := entitydiff.Diff(d.body, raw, def, false)
			if comparable && len(changes) == 0 {
				continue
			}
			e := d.Entity
			e.UpdatedBy, e.UpdatedAt = who(raw)
			e.Uncomparable = !comparable
			for _, ch := range changes {
				e.Fields = append(e.Fields, Field{Field: ch.Field, Git: ch.New, Port: ch.Old})
			}
			res.Changed = append(res.Changed, e)
		}
		if !cfg.Owned(bp) {
			continue
		}
		for id, raw := range inPort {
			if _, ok := defs[key{bp, id}]; ok || namedIn(id, unparsable) {
				continue // defined, or maybe defined by a file that does not parse
			}
			e := Entity{Blueprint: bp, Identifier: id}
			e.UpdatedBy, e.UpdatedAt = who(raw)
			res.Extra = append(res.Extra, e)
		}
	}
	for _, l := range [][]Entity{res.Changed, res.Missing, res.Extra} {
		slices.SortFunc(l, func(a, b Entity) int {
			return strings.Compare(a.Blueprint+"\x00"+a.Identifier, b.Blueprint+"\x00"+b.Identifier)
		})
	}
	res.Drift = len(res.Changed)+len(res.Missing)+len(res.Extra) > 0
	return res, nil
}

// namedIn reports whether one of the files names id as a JSON string.
func namedIn(id string, files [][]byte) bool {
	q, _ := json.Marshal(id)
	for _, data := range files {
		if strings.Contains(string(data), string(q)) || strings.Contains(string(data), id) {
			return true
		}
	}
	return false
}

// who reads Port's updatedBy and updatedAt.
func who(raw json.RawMessage) (by, at string) {
	var e struct {
		UpdatedBy any    `json:"updatedBy"`
		UpdatedAt string `json:"updatedAt"`
	}
	json.Unmarshal(raw, &e)
	switch v := e.UpdatedBy.(type) {
	case string:
		by = v
	case map[string]any:
		for _, k := range []string{"email", "name", "id"} {
			if s, ok := v[k].(string); ok && s != "" {
				return s, e.UpdatedAt
			}
		}
	}
	return by, e.UpdatedAt
}
