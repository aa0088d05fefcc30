// Package sync is the `port-gitops sync` command: it compares HEAD with the
// last commit synced, works out which entities changed, and upserts or
// deletes them in Port.
//
// The package is named sync as the product's design asks, which shadows the
// standard library's: import it as entitysync. Only main.go imports it.
package sync

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/gitdiff"
	"github.com/port-gitops/port-gitops/internal/lint"
	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/report"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// Options are the sync command's inputs.
type Options struct {
	IO               *cmdutil.IO
	ConfigPath       string
	Base             string // --base REV
	State            string // "port" (default) or "none"
	Full             bool
	Prune            bool
	Merge            bool
	DeleteDependents bool
	DryRun           bool
	PostMerge        bool // run from the post-merge hook
	Concurrency      int
	Format           string
	Color            string
	APIURL           string
	Region           string
	Verbose          bool
	Version          string
	// HTTPClient and Now are for tests; nil means the defaults.
	HTTPClient *http.Client
	Now        func() time.Time
	retry      portapi.RetryPolicy // tests shorten the waits
}

// NewCommand returns the sync command.
func NewCommand(io *cmdutil.IO, version string) *cli.Command {
	opts := Options{IO: io, Version: version}
	return &cli.Command{
		Name:  "sync",
		Usage: "bring Port up to date with the entities changed in git",
		Description: `Compares HEAD with the last commit synced (kept in Port as sync state),
parses the entity files that changed, validates them, and upserts (and with
--prune deletes) the entities that changed, in bulk. The state moves to HEAD
only when every entity was synced, so a failed, skipped or cancelled run
loses nothing: the next run picks up from the same base.

Credentials come from PORT_CLIENT_ID and PORT_CLIENT_SECRET; the API from
PORT_BASE_URL, --api-url or --region.

Exit codes: 0 everything synced, 1 entities invalid or rejected by Port,
2 usage or configuration error, 3 could not run (git, network, auth).

Examples:
   port-gitops sync                      # in CI, on pushes to main
   port-gitops sync --dry-run            # print the plan, send nothing
   port-gitops sync --base origin/main~5 --state none
   port-gitops sync --full --prune`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "configuration `FILE` (default: .port/gitops.yaml, looked up)", Destination: &opts.ConfigPath},
			&cli.StringFlag{Name: "base", Usage: "compare HEAD with `REV` instead of the last synced commit", Destination: &opts.Base},
			&cli.StringFlag{Name: "state", Value: "port", Usage: "where the last synced commit is kept: port (an entity in Port) or none", Destination: &opts.State},
			&cli.BoolFlag{Name: "full", Usage: "sync every entity file at HEAD, whatever the base", Destination: &opts.Full},
			&cli.BoolFlag{Name: "prune", Usage: "delete from Port the entities whose definitions are gone from git", Destination: &opts.Prune},
			&cli.BoolFlag{Name: "merge", Usage: "merge into existing entities instead of replacing them", Destination: &opts.Merge},
			&cli.BoolFlag{Name: "delete-dependents", Usage: "with --prune, also delete entities that depend on deleted ones", Destination: &opts.DeleteDependents},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the plan and send nothing (with credentials, Port validates the upserts)", Destination: &opts.DryRun},
			&cli.BoolFlag{Name: "post-merge", Usage: "run as the git post-merge hook: base ORIG_HEAD without state, skip quietly without credentials", Destination: &opts.PostMerge},
			&cli.IntFlag{Name: "concurrency", Value: 4, Usage: "bulk requests in flight at once", Destination: &opts.Concurrency},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text, json", Destination: &opts.Format},
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour `WHEN`: auto, always, never", Destination: &opts.Color},
			&cli.StringFlag{Name: "api-url", Usage: "Port API `URL` (default: PORT_BASE_URL, else by --region)", Destination: &opts.APIURL},
			&cli.StringFlag{Name: "region", Usage: "Port region: eu (default) or us", Destination: &opts.Region},
			&cli.BoolFlag{Name: "verbose", Usage: "log each API request to stderr (never credentials)", Destination: &opts.Verbose},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return cmdutil.Usagef("sync takes no arguments, got %q", c.Args().First())
			}
			return Run(c.Context, opts)
		},
	}
}

// Run syncs and reports. It returns cmdutil.ErrFindings when entities were
// invalid or rejected (already reported).
func Run(ctx context.Context, opts Options) error {
	if err := checkOptions(&opts); err != nil {
		return err
	}
	color, err := cmdutil.UseColor(opts.Color, opts.IO)
	if err != nil {
		return err
	}
	cfg, err := config.Load(opts.IO.Dir, opts.ConfigPath)
	if err != nil {
		return cmdutil.Usage(err)
	}
	prune := opts.Prune || cfg.Prune
	if opts.DeleteDependents && !prune {
		return cmdutil.Usagef("--delete-dependents only applies with --prune (or prune: true in the configuration)")
	}
	client, err := newClient(opts)
	switch {
	case errors.Is(err, portapi.ErrNoCredentials) && opts.PostMerge:
		fmt.Fprintln(opts.IO.Err, "port-gitops: sync skipped: PORT_CLIENT_ID and PORT_CLIENT_SECRET are not set")
		return nil
	case errors.Is(err, portapi.ErrNoCredentials) && opts.DryRun:
		client = nil // plan offline
	case err != nil:
		return err
	}
	cache, err := blueprint.OpenCacheIn(cfg.Root, cfg.BlueprintDir)
	if err != nil {
		var le *blueprint.LoadError
		if errors.As(err, &le) {
			return cmdutil.Usage(err)
		}
		return err
	}
	repo, err := gitdiff.Open(cfg.Root)
	if err != nil {
		return fmt.Errorf("open git repository: %w", err)
	}
	defer repo.Close()
	s := &syncer{opts: opts, cfg: cfg, cache: cache, repo: repo, client: client, prune: prune}
	res, err := s.run(ctx)
	if res != nil {
		if rerr := s.render(res, color); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return err
	}
	if !res.OK() {
		return cmdutil.ErrFindings
	}
	return nil
}

func checkOptions(o *Options) error {
	switch o.State {
	case "", "port":
		o.State = "port"
	case "none":
	default:
		return cmdutil.Usagef("unknown --state %q (valid: port, none)", o.State)
	}
	if o.Format == "" {
		o.Format = "text"
	}
	if o.Format != "text" && o.Format != "json" {
		return cmdutil.Usagef("unknown --format %q (valid: %s)", o.Format, strings.Join(report.SyncFormats, ", "))
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Full && o.Base != "" {
		return cmdutil.Usagef("--full and --base cannot be used together")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

func newClient(opts Options) (*portapi.Client, error) {
	return cmdutil.PortClient(opts.IO, cmdutil.PortOptions{
		APIURL: opts.APIURL, Region: opts.Region, Verbose: opts.Verbose, Version: opts.Version,
		Retry: opts.retry, Concurrency: opts.Concurrency,
	})
}

type syncer struct {
	opts   Options
	cfg    *config.Config
	cache  *blueprint.Cache
	repo   *gitdiff.Repo
	client *portapi.Client // nil: offline dry run
	prune  bool
	prefix string // the config root relative to the git work tree, "" or "dir/"
}

func (s *syncer) render(res *report.SyncResult, color bool) error {
	if err := report.RenderSync(s.opts.IO.Out, s.opts.Format, res, report.Options{Color: color, DisplayPath: s.opts.IO.DisplayPath(s.cfg.Root)}); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if p := s.opts.IO.Env("GITHUB_STEP_SUMMARY"); p != "" {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("write GITHUB_STEP_SUMMARY: %w", err)
		}
		_, werr := f.WriteString(report.SyncMarkdown(res))
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("write GITHUB_STEP_SUMMARY: %w", werr)
		}
	}
	return nil
}

// match says whether a path relative to the git work tree is an entity file,
// and returns its path relative to the config root and its default blueprint.
func (s *syncer) match(p string) (rel, bp string, ok bool) {
	if !strings.HasPrefix(p, s.prefix) {
		return "", "", false
	}
	rel = strings.TrimPrefix(p, s.prefix)
	r := s.cfg.Match(rel)
	if r == nil {
		return "", "", false
	}
	return rel, r.Blueprint, true
}

func (s *syncer) run(ctx context.Context) (*report.SyncResult, error) {
	top := s.repo.Root()
	if top == "" {
		return nil, cmdutil.Usagef("sync needs a work tree: %s is a bare repository", s.cfg.Root)
	}
	if rel, err := filepath.Rel(top, s.cfg.Root); err == nil && rel != "." {
		s.prefix = filepath.ToSlash(rel) + "/"
	}
	head, err := s.repo.Resolve("HEAD")
	if err != nil {
		return nil, fmt.Errorf("resolve HEAD: %w", err)
	}
	if err := s.checkCheckout(head); err != nil {
		return nil, err
	}
	res := &report.SyncResult{DryRun: s.opts.DryRun, Head: head.String()}
	st := &stateStore{client: s.client, repo: s.repo, getenv: s.opts.IO.Env, now: s.opts.Now, version: s.opts.Version}
	b, err := s.chooseBase(ctx, head, st)
	if err != nil {
		return nil, err
	}
	res.BaseSource = b.source
	if b.done != "" {
		res.Message = b.done
		return res, nil
	}
	if !b.full {
		res.Base = b.hash.String()
	}
	old, news, err := s.collect(ctx, b, head, res)
	if err != nil {
		return nil, err
	}
	var elsewhere func(Key) bool
	plan := makePlan(old, news, nil)
	if len(plan.Deletes) > 0 && s.prune {
		elsewhere, err = s.definedAtHead(head, plan.Deletes)
		if err != nil {
			return nil, err
		}
		plan = makePlan(old, news, elsewhere)
	}
	counts := map[string]*report.SyncCounts{}
	count := func(bp string) *report.SyncCounts {
		c, ok := counts[bp]
		if !ok {
			c = &report.SyncCounts{Blueprint: bp}
			counts[bp] = c
		}
		return c
	}
	for _, f := range res.Invalid {
		if f.Blueprint != "" {
			count(f.Blueprint).Invalid++
		}
	}
	for bp, n := range plan.Unchanged {
		count(bp).Unchanged += n
	}
	var runErr error
	if s.client == nil || s.opts.DryRun {
		for _, it := range plan.Upserts {
			if _, existed := old[it.Key]; existed {
				count(it.Blueprint).Updated++
			} else {
				count(it.Blueprint).Created++
			}
		}
		if s.client != nil && len(plan.Upserts) > 0 {
			runErr = s.apply(ctx, plan.Upserts, true, count, res)
		}
	} else {
		runErr = s.apply(ctx, plan.Upserts, false, count, res)
	}
	if runErr == nil {
		if s.prune && len(plan.Deletes) > 0 {
			if s.opts.DryRun {
				for _, it := range plan.Deletes {
					count(it.Blueprint).Deleted++
				}
			} else {
				runErr = s.deleteAll(ctx, plan.Deletes, count, res)
			}
		} else {
			for _, it := range plan.Deletes {
				count(it.Blueprint).NotDeleted++
				res.NotDeleted = append(res.NotDeleted, it.Key.String())
			}
		}
	}
	for _, c := range counts {
		res.Blueprints = append(res.Blueprints, *c)
	}
	sort.Slice(res.Blueprints, func(i, j int) bool { return res.Blueprints[i].Blueprint < res.Blueprints[j].Blueprint })
	if runErr != nil {
		return res, runErr
	}
	if res.OK() && !s.opts.DryRun && s.opts.State == "port" && s.client != nil {
		moved, msg, err := st.advance(ctx, head)
		if err != nil {
			return res, fmt.Errorf("record sync state: %w", err)
		}
		res.StateMoved = moved
		if msg != "" {
			res.Message = msg
		}
	}
	if res.Message == "" {
		res.Message = s.summaryMessage(res, b)
	}
	return res, nil
}

// checkCheckout catches a working tree that lacks the configuration or the
// blueprint cache although HEAD has them (a sparse or partial checkout):
// sync reads entities from commits but those two from the working tree, and
// without them it would check every entity against the wrong rules.
func (s *syncer) checkCheckout(head gitdiff.Hash) error {
	top := s.repo.Root()
	cfgPath := config.DefaultPath
	cfgMissing := s.cfg.Path == ""
	_, statErr := os.Stat(s.cfg.BlueprintDir)
	cacheMissing := statErr != nil
	if !cfgMissing && !cacheMissing {
		return nil
	}
	relOf := func(p string) string {
		r, err := filepath.Rel(top, p)
		if err != nil {
			return ""
		}
		return filepath.ToSlash(r)
	}
	wantCfg := relOf(filepath.Join(s.cfg.Root, filepath.FromSlash(cfgPath)))
	wantCache := relOf(s.cfg.BlueprintDir)
	missing := ""
	for _, c := range []struct {
		absent bool
		path   string
	}{{cfgMissing, wantCfg}, {cacheMissing, wantCache}} {
		if !c.absent || c.path == "" || c.path == ".." || strings.HasPrefix(c.path, "../") {
			continue
		}
		if has, err := s.repo.Has(head, c.path); err == nil && has {
			missing = c.path
			break
		}
	}
	if missing == "" {
		return nil // HEAD has none either: the defaults are what the user has
	}
	return cmdutil.Usagef("%s is in HEAD but not in the working tree (a sparse checkout, or a clone without a checkout?): sync reads the configuration and the blueprint cache from the working tree; add them with: git sparse-checkout add %s", missing, filepath.ToSlash(filepath.Dir(wantCfg)))
}

func (s *syncer) summaryMessage(res *report.SyncResult, b baseChoice) string {
	var from string
	switch {
	case b.full:
		from = fmt.Sprintf("full sync of every entity file at %s (%s)", short(res.Head), b.source)
	default:
		from = fmt.Sprintf("changes %s..%s (base: %s)", short(res.Base), short(res.Head), b.source)
	}
	switch {
	case s.opts.DryRun && s.client == nil:
		return "dry run, nothing sent, offline (no PORT_CLIENT_ID/PORT_CLIENT_SECRET: the sync state was not read and Port did not validate): " + from
	case s.opts.DryRun:
		return "dry run, nothing sent (Port validated the upserts): " + from
	}
	return from
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// collect parses the changed entity files at the base and at HEAD. Entities
// at HEAD are validated; invalid ones go to res.Invalid and are not sent.
func (s *syncer) collect(ctx context.Context, b baseChoice, head gitdiff.Hash, res *report.SyncResult) (old, news map[Key]Item, err error) {
	matchFn := func(p string) bool { _, _, ok := s.match(p); return ok }
	var changes []gitdiff.Change
	if b.full {
		files, err := s.repo.Files(head, matchFn)
		if err != nil {
			return nil, nil, fmt.Errorf("list entity files at HEAD: %w", err)
		}
		for _, f := range files {
			changes = append(changes, gitdiff.Change{Path: f.Path, To: f.Hash})
		}
	} else {
		changes, err = s.repo.Diff(b.hash, head, matchFn)
		if err != nil {
			return nil, nil, fmt.Errorf("compare %s with HEAD: %w", short(b.hash.String()), err)
		}
	}
	old = map[Key]Item{}
	var sources []lint.Source
	for _, ch := range changes {
		rel, bp, _ := s.match(ch.Path)
		if !ch.From.IsZero() {
			data, err := s.repo.ReadBlobMax(ch.From, safefile.MaxEntityFile)
			if err != nil {
				return nil, nil, fmt.Errorf("read %s at the base: %w", rel, err)
			}
			for _, it := range s.items(rel, bp, data) {
				old[it.Key] = it
			}
		}
		if !ch.To.IsZero() {
			h := ch.To
			sources = append(sources, lint.Source{File: rel, Blueprint: bp, Load: func() ([]byte, error) { return s.repo.ReadBlobMax(h, safefile.MaxEntityFile) }})
		}
	}
	linter := &lint.Linter{Cache: s.cache, KeepNodes: true}
	lr, err := linter.Run(ctx, sources)
	if err != nil {
		return nil, nil, err
	}
	if len(lr.BlueprintErrors) > 0 {
		msgs := make([]string, len(lr.BlueprintErrors))
		for i, e := range lr.BlueprintErrors {
			msgs[i] = e.Error()
		}
		return nil, nil, cmdutil.Usage(errors.New(strings.Join(msgs, "\n")))
	}
	for _, f := range lr.Findings {
		if f.Severity == report.Error {
			res.Invalid = append(res.Invalid, f)
		}
	}
	news = map[Key]Item{}
	for _, e := range lr.Entities {
		if !e.Valid {
			continue
		}
		bp, _ := s.cache.Get(e.Blueprint)
		body, targets, err := body(e.Node, bp)
		if err != nil {
			continue
		}
		k := Key{e.Blueprint, e.Identifier}
		news[k] = Item{Key: k, File: e.File, Line: e.Line, Column: e.Column, Body: body, Targets: targets}
	}
	return old, news, nil
}

// items parses a file's entities without validating them: the base side and
// the deletes check need only identities and content, not relation targets
// (those order upserts, which come from the validated HEAD side).
func (s *syncer) items(file, defaultBP string, data []byte) []Item {
	root, _, err := entity.Parse(data)
	if err != nil {
		return nil
	}
	ents, _ := entity.Extract(root)
	var out []Item
	for _, e := range ents {
		bp := e.Blueprint
		if bp == "" {
			bp = defaultBP
		}
		if e.Identifier == "" || bp == "" {
			continue
		}
		b, _, err := body(e.Node, nil)
		if err != nil {
			continue
		}
		out = append(out, Item{Key: Key{bp, e.Identifier}, File: file, Line: e.Node.Pos.Line, Column: e.Node.Pos.Column, Body: b})
	}
	return out
}

// definedAtHead returns a function that says whether an entity about to be
// deleted is still defined in some entity file at HEAD. It parses every
// entity file at HEAD, so it runs only when there is something to delete.
func (s *syncer) definedAtHead(head gitdiff.Hash, deletes []Item) (func(Key) bool, error) {
	files, err := s.repo.Files(head, func(p string) bool { _, _, ok := s.match(p); return ok })
	if err != nil {
		return nil, fmt.Errorf("list entity files at HEAD: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("refusing to prune %d entities: no file at HEAD matches the configuration's entity rules (an empty checkout or a glob that matches nothing would delete the catalog)", len(deletes))
	}
	all := map[Key]bool{}
	for _, f := range files {
		data, err := s.repo.ReadBlobMax(f.Hash, safefile.MaxEntityFile)
		if err != nil {
			return nil, err
		}
		rel, bp, _ := s.match(f.Path)
		for _, it := range s.items(rel, bp, data) {
			all[it.Key] = true
		}
	}
	return func(k Key) bool { return all[k] }, nil
}
