package blueprints

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/lint"
	"github.com/port-gitops/port-gitops/internal/report"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// CheckOptions are the check command's inputs.
type CheckOptions struct {
	IO         *cmdutil.IO
	ConfigPath string
	Format     string // text, json, github, sarif
	Color      string // auto, always, never
	Version    string
}

// checkCommand returns `blueprints check`.
func checkCommand(io *cmdutil.IO, version string) *cli.Command {
	opts := CheckOptions{IO: io, Version: version}
	return &cli.Command{
		Name:  "check",
		Usage: "check that every cached blueprint is one Port accepts and that compiles",
		Description: `Reads every blueprint in the blueprint cache, whether an entity uses it or
not, checks it against Port's rules for blueprint schemas (property types,
formats, where "required" goes) and compiles its schema, and reports every
problem at its file:line:column. Offline; needs no credentials.

Exit codes: 0 every cached blueprint is fine, 2 one or more are broken (or
a usage or configuration error), 3 could not run.

Examples:
   port-gitops blueprints check
   port-gitops blueprints pull && port-gitops blueprints check
   port-gitops blueprints check --format json`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "configuration `FILE`", Destination: &opts.ConfigPath},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: " + strings.Join(report.Formats(), ", "), Destination: &opts.Format},
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour `WHEN`: auto, always, never", Destination: &opts.Color},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return cmdutil.Usagef("blueprints check takes no arguments, got %q", c.Args().First())
			}
			return Check(c.Context, opts)
		},
	}
}

// errBroken says broken blueprints were found and reported: exit 2.
type errBroken struct{ err error }

func (e *errBroken) Error() string { return e.err.Error() }
func (e *errBroken) Unwrap() error { return e.err }

// Check compiles every cached blueprint and reports each broken one. It
// returns a usage error (exit 2) when any is broken, after the report.
func Check(ctx context.Context, opts CheckOptions) error {
	err := runCheck(ctx, opts)
	var reported *errBroken
	if err != nil && opts.Format == "json" && !errors.As(err, &reported) && ctx.Err() == nil {
		if rerr := report.RenderJSONError(opts.IO.Out, err.Error(), cmdutil.ExitCode(err)); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
	return err
}

func runCheck(ctx context.Context, opts CheckOptions) error {
	color, err := cmdutil.UseColor(opts.Color, opts.IO)
	if err != nil {
		return err
	}
	cfg, err := config.Load(opts.IO.Dir, opts.ConfigPath)
	if err != nil {
		return cmdutil.Usage(err)
	}
	r, err := report.New(opts.Format, report.Options{
		Color: color, DisplayPath: opts.IO.DisplayPath(cfg.Root), Version: opts.Version, Quiet: opts.Format == "text",
	})
	if err != nil {
		return cmdutil.Usage(err)
	}
	if _, err := os.Stat(cfg.BlueprintDir); err != nil {
		return cmdutil.Usagef("no blueprint cache at %s: run port-gitops blueprints pull", opts.IO.Rel(cfg.BlueprintDir))
	}
	cache, err := blueprint.OpenCacheIn(cfg.Root, cfg.BlueprintDir)
	if err != nil {
		return cmdutil.CacheError(err)
	}
	root, err := safefile.NewRoot(cfg.Root)
	if err != nil {
		return err
	}
	var findings []report.Finding
	broken := 0
	for _, id := range cache.IDs() {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := cache.Get(id)
		if err == nil {
			continue
		}
		var le *blueprint.LoadError
		if !errors.As(err, &le) {
			return err
		}
		broken++
		f := lint.BrokenBlueprintFinding(cfg.Root, le)
		f.Blueprint = id
		fs := []report.Finding{f}
		if opts.Format == "text" && opts.IO.IsTerminal && f.Line > 0 {
			if data, rerr := root.ReadFile(le.File, safefile.MaxBlueprintFile); rerr == nil {
				report.AddSnippets(fs, data)
			}
		}
		findings = append(findings, fs...)
	}
	report.Sort(findings)
	errs, warns := report.Count(findings)
	if err := r.Render(opts.IO.Out, findings, report.Summary{Files: len(cache.IDs()), Errors: errs, Warnings: warns}); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	n := len(cache.IDs())
	if opts.Format == "text" {
		if broken == 0 {
			fmt.Fprintf(opts.IO.Out, "%d cached %s, none broken\n", n, noun(n))
		} else {
			fmt.Fprintf(opts.IO.Out, "\n%d cached %s, %d broken\n", n, noun(n), broken)
		}
	}
	if broken > 0 {
		return &errBroken{cmdutil.Usagef("%d of %d cached %s broken (reported above): fix the cache files, or pull them again from Port", broken, n, noun(n))}
	}
	return nil
}

func noun(n int) string {
	if n == 1 {
		return "blueprint"
	}
	return "blueprints"
}
