// Package sync is the `port-gitops sync` command: it compares HEAD with the
// last commit synced, works out which entities changed, and upserts or
// deletes them in Port.
//
// The package is named sync as the product's design asks, which shadows the
// standard library's: import it as entitysync. Only main.go imports it.
package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	gosync "sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/gitdiff"
	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/portflags"
	"github.com/port-gitops/port-gitops/internal/report"
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
	portflags.Port   // --api-url, --region, --rate-limit-budget, --verbose
	Version          string
	// noCompare makes a sync without a base (the first, --full) upsert
	// every entity instead of only those that differ from Port's.
	noCompare bool
	// LockWait bounds how long a run waits for another sync of the same
	// repository and branch to finish (default 5 minutes).
	LockWait time.Duration
	// HTTPClient and Now are for tests; nil means the defaults.
	HTTPClient *http.Client
	Now        func() time.Time
	retry      portapi.RetryPolicy // tests shorten the waits
	// Tests shorten the lock's lease, heartbeat and polling; clock is the
	// wall clock leases are measured with (Now may be frozen).
	lockLease, lockRenew, lockPoll time.Duration
	clock                          func() time.Time
	// beforeWrite, when set, runs before each write batch (tests).
	beforeWrite func()
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
only when every entity was synced; what a run that did not finish may have
written is recorded first and checked again by the next run. A file at HEAD
that is broken never causes a delete. A property set to file://path is sent as
the content of that file at HEAD; a change of that file alone re-sends
the entity. One sync runs at a time per
repository and branch (others wait, up to --lock-wait). With --post-merge,
sync runs only when HEAD is what the upstream branch has.

Credentials come from PORT_CLIENT_ID and PORT_CLIENT_SECRET; the API from
PORT_BASE_URL, --api-url or --region.

Exit codes: 0 everything synced, 1 entities invalid or rejected by Port,
2 usage or configuration error, 3 could not run (git, network, auth).

Examples:
   port-gitops sync                      # in CI, on pushes to main
   port-gitops sync --dry-run            # print the plan, send nothing
   port-gitops sync --base origin/main~5 --state none
   port-gitops sync --full --prune`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "configuration `FILE` (default: .port/gitops.yaml, looked up)", Destination: &opts.ConfigPath},
			&cli.StringFlag{Name: "base", Usage: "compare HEAD with `REV` instead of the last synced commit", Destination: &opts.Base},
			&cli.StringFlag{Name: "state", Value: "port", Usage: "where the last synced commit is kept: port (an entity in Port) or none", Destination: &opts.State},
			&cli.BoolFlag{Name: "full", Usage: "sync every entity file at HEAD, whatever the base", Destination: &opts.Full},
			&cli.BoolFlag{Name: "prune", Usage: "delete from Port the entities whose definitions are gone from git", Destination: &opts.Prune},
			&cli.BoolFlag{Name: "merge", Usage: "merge into existing entities instead of replacing them", Destination: &opts.Merge},
			&cli.BoolFlag{Name: "delete-dependents", Usage: "with --prune, also delete entities that depend on deleted ones", Destination: &opts.DeleteDependents},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the plan and send nothing (with credentials, Port validates the upserts)", Destination: &opts.DryRun},
			&cli.BoolFlag{Name: "post-merge", Usage: "run as the git post-merge hook: only when HEAD is what the upstream branch has; skip quietly without credentials", Destination: &opts.PostMerge},
			&cli.DurationFlag{Name: "lock-wait", Value: defaultLockWait, Usage: "how long to wait for another sync of this repository and branch to finish", Destination: &opts.LockWait},
			&cli.IntFlag{Name: "concurrency", Value: 4, Usage: "bulk requests in flight at once", Destination: &opts.Concurrency, Action: func(_ *cli.Context, n int) error { return cmdutil.CheckConcurrency(n) }},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text, json, markdown (a pull-request comment)", Destination: &opts.Format},
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour `WHEN`: auto, always, never", Destination: &opts.Color},
		}, opts.Port.Flags()...),
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
		return cmdutil.ConfigError(err)
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
		return cmdutil.CacheError(err)
	}
	repo, err := gitdiff.Open(cfg.Root)
	if err != nil {
		return fmt.Errorf("open git repository: %w", err)
	}
	defer repo.Close()
	if opts.PostMerge {
		if why := upstreamMismatch(repo); why != "" {
			fmt.Fprintln(opts.IO.Err, "port-gitops: sync skipped: "+why)
			return nil
		}
	}
	s := &syncer{opts: opts, cfg: cfg, cache: cache, repo: repo, client: client, prune: prune}
	res, err := s.run(ctx)
	if opts.DryRun && err == nil && opts.IO.Env("CI") == "" {
		// A CI checkout is clean, and the check costs what git status
		// does (a walk of the working tree): only where people work.
		s.noteUncommitted()
	}
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
	if !slices.Contains(report.SyncFormats, o.Format) {
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
	if o.clock == nil {
		o.clock = time.Now
	}
	if o.LockWait <= 0 {
		o.LockWait = defaultLockWait
	}
	if o.lockLease <= 0 {
		o.lockLease = defaultLockLease
	}
	if o.lockRenew <= 0 {
		o.lockRenew = min(defaultLockRenew, o.lockLease/4)
	}
	if o.lockPoll <= 0 {
		o.lockPoll = defaultLockPoll
	}
	return nil
}

func newClient(opts Options) (*portapi.Client, error) {
	po := opts.Port.Client(opts.Version)
	po.Retry, po.Concurrency = opts.retry, opts.Concurrency
	return cmdutil.PortClient(opts.IO, po)
}

type syncer struct {
	opts   Options
	cfg    *config.Config
	cache  *blueprint.Cache
	repo   *gitdiff.Repo
	client *portapi.Client // nil: offline dry run
	prune  bool
	prefix string // the config root relative to the git work tree, "" or "dir/"
	head   gitdiff.Hash
	base   gitdiff.Hash // the base commit, once chosen (zero: none, or a full sync)
	lock   *lock        // nil: no lock (dry run, --state none)
	// inPort holds Port's entities by blueprint and identifier, once read.
	inPort map[string]map[string]json.RawMessage
	// rules remembers which rule each path relative to the config root
	// matched (nil: none): a changed file is asked about five times over
	// a run, from several goroutines.
	rulesMu gosync.Mutex
	rules   map[string]*config.Rule
}

// rule returns the configuration rule that makes rel an entity file, or nil.
func (s *syncer) rule(rel string) *config.Rule {
	s.rulesMu.Lock()
	r, ok := s.rules[rel]
	s.rulesMu.Unlock()
	if ok {
		return r
	}
	r = s.cfg.Match(rel)
	s.rulesMu.Lock()
	if s.rules == nil {
		s.rules = map[string]*config.Rule{}
	}
	s.rules[rel] = r
	s.rulesMu.Unlock()
	return r
}

// countInvalid counts, per blueprint, the entities that are invalid (however
// many findings each has) and the files at HEAD that hold no readable entity
// (a syntax error), under the blueprint their rule gives, else "(unknown)".
func countInvalid(findings []report.Finding, ruleBlueprint func(file string) string, count func(bp string) *report.SyncCounts) {
	seen := map[string]bool{}
	for _, f := range findings {
		bp, key := f.Blueprint, f.Blueprint+"\x00"+f.Identifier
		if f.Identifier == "" {
			// Not an entity's finding: the file as a whole.
			key = "file\x00" + f.File
			if bp == "" {
				bp = ruleBlueprint(f.File)
			}
		}
		if bp == "" {
			bp = "(unknown)"
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		count(bp).Invalid++
	}
}

func (s *syncer) render(res *report.SyncResult, color bool) error {
	if err := report.RenderSync(s.opts.IO.Out, s.opts.Format, res, report.Options{Color: color, DisplayPath: s.opts.IO.DisplayPath(s.cfg.Root)}); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if s.opts.IO.Env("GITHUB_STEP_SUMMARY") == "" {
		return nil // no summary to write: none to build
	}
	return s.opts.IO.AppendStepSummary(report.SyncMarkdown(res))
}

// showsPlan are the formats (report.SyncFormats) that print a dry run's
// plan, entity by entity with the fields that change: the others print
// counts, so the plan, whose field diffs decode every changed entity on
// both sides, is worked out only for these (TestShowsPlan keeps the list
// true).
var showsPlan = map[string]bool{"json": true, "markdown": true}

// format returns how the entity file rel (relative to the config root) is
// read: its rule's format, or by its name.
func (s *syncer) format(rel string) entity.Format {
	if r := s.rule(rel); r != nil {
		return r.FileFormat(rel)
	}
	return entity.FormatOf(entity.FormatAuto, rel)
}

// match says whether a path relative to the git work tree is an entity file,
// and returns its path relative to the config root and its default blueprint.
func (s *syncer) match(p string) (rel, bp string, ok bool) {
	if !strings.HasPrefix(p, s.prefix) {
		return "", "", false
	}
	rel = strings.TrimPrefix(p, s.prefix)
	r := s.rule(rel)
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
	s.head = head
	if err := s.checkCheckout(head); err != nil {
		return nil, err
	}
	res := &report.SyncResult{DryRun: s.opts.DryRun, Head: head.String()}
	st := &stateStore{client: s.client, repo: s.repo, getenv: s.opts.IO.Env, now: s.opts.Now, version: s.opts.Version}
	usesState := s.opts.State == "port" && s.client != nil
	writes := usesState && !s.opts.DryRun
	wctx := ctx
	if writes {
		// One run at a time per repository and branch; the state is read
		// only once the lock is held.
		if err := st.ensureBlueprint(ctx); err != nil {
			return nil, err
		}
		var cancel context.CancelCauseFunc
		wctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		s.lock = &lock{client: s.client, st: st, id: st.identifier() + ".lock", owner: newOwner(), commit: head.String(),
			lease: s.opts.lockLease, renew: s.opts.lockRenew, clock: s.opts.clock}
		if err := s.lock.acquire(ctx, s.opts.LockWait, s.opts.lockPoll, s.opts.IO.Err, cancel); err != nil {
			return nil, err
		}
		defer s.lock.release()
	}
	var cur stateRecord
	if usesState {
		if cur, err = st.read(ctx); err != nil {
			return nil, fmt.Errorf("read sync state from Port: %w", err)
		}
	}
	b, err := s.chooseBase(head, st, cur)
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
	plan, old, err := s.buildPlan(ctx, b, head, cur.Pending, res)
	if err != nil {
		return nil, err
	}
	if (b.full || cur.Pending.Everything || b.pr) && s.client != nil && !s.opts.noCompare {
		// No base to compare with: compare with Port instead of resending
		// every entity.
		if err := s.dropEqualToPort(ctx, &plan, old); err != nil {
			return nil, err
		}
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
	countInvalid(res.Invalid, func(file string) string {
		_, bp, _ := s.match(s.prefix + file)
		return bp
	}, count)
	for bp, n := range plan.Unchanged {
		count(bp).Unchanged += n
	}
	var runErr error
	covered := cur.Pending // what of the pending record this run's plan takes in
	if writes && (len(plan.Upserts) > 0 || (s.prune && len(plan.Deletes) > 0)) {
		// Record the intent before the first write, so that whatever this
		// run sends is checked again by the next one if it does not finish.
		intent := append([]Item(nil), plan.Upserts...)
		if s.prune {
			intent = append(intent, plan.Deletes...)
		}
		np := cur.Pending.union(intent)
		covered = np
		if !np.equal(cur.Pending) {
			if err := s.lock.check(); err != nil {
				return nil, err
			}
			if err := st.writePending(wctx, cur, np); err != nil {
				return nil, fmt.Errorf("record in the sync state what this run is about to write (nothing was written): %w", s.cause(wctx, err))
			}
		}
	}
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
			res.PortValidated = runErr == nil
		}
		res.ComparedWithPort = s.client != nil && (b.full || cur.Pending.Everything || b.pr) && !s.opts.noCompare
		res.Offline = s.client == nil
		if showsPlan[s.opts.Format] {
			s.planEntries(plan, old, res)
		}
	} else {
		runErr = s.apply(wctx, plan.Upserts, false, count, res)
	}
	if runErr == nil {
		if s.prune && len(plan.Deletes) > 0 {
			if s.opts.DryRun {
				for _, it := range plan.Deletes {
					count(it.Blueprint).Deleted++
				}
			} else {
				runErr = s.deleteAll(wctx, plan.Deletes, count, res)
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
	report.Sort(res.Invalid)
	if runErr != nil {
		return res, s.cause(wctx, runErr)
	}
	if res.OK() && writes {
		if err := s.lock.confirm(ctx); err != nil {
			return res, err
		}
		moved, msg, err := st.advance(ctx, head, covered)
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

// cause is err, or errLockLost when the run stopped because it lost the
// lock.
func (s *syncer) cause(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), errLockLost) {
		return errLockLost
	}
	return err
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

// items parses a file's entities without validating them: the base side and
// the deletes check need only identities and content, not relation targets
// (those order upserts, which come from the validated HEAD side).
func (s *syncer) items(file, defaultBP string, data []byte) []Item {
	root, _, err := entity.ParseAs(nil, s.format(file), data)
	if err != nil {
		return nil
	}
	ents, _ := entity.Extract(root)
	s.substituteBase(file, defaultBP, data, ents)
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
