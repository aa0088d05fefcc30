// Command port-gitops keeps Port catalog entities in git: validate checks
// entity files against cached blueprints, sync brings Port up to date with
// what changed, blueprints pull fills the cache, hooks install sets up git
// hooks.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	gosync "sync"
	"syscall"

	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/blueprints"
	"github.com/port-gitops/port-gitops/drift"
	"github.com/port-gitops/port-gitops/export"
	"github.com/port-gitops/port-gitops/hooks"
	"github.com/port-gitops/port-gitops/initcmd"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/gctune"
	"github.com/port-gitops/port-gitops/schemas"
	entitysync "github.com/port-gitops/port-gitops/sync"
	"github.com/port-gitops/port-gitops/validate"
)

// version and commit are set at build time by releases (.goreleaser.yaml):
// -ldflags "-X main.version=v1.2.3 -X main.commit=0123abcd". Without them
// the version comes from the module's build information.
var (
	version = ""
	commit  = ""
)

// readOnly are the commands that write nothing and need no winding down:
// Ctrl-C or SIGTERM stops them at once, as the signal does by default
// (the shell reports 130 or 143). Installing the handler costs every run
// a thread and about 0.7 ms, a tenth of a one-file validate.
var readOnly = map[string]bool{"validate": true, "version": true, "__complete": true}

func main() {
	gctune.Start(os.Getenv)
	if len(os.Args) > 1 && readOnly[os.Args[1]] {
		os.Exit(run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first Ctrl-C the command winds down; a second one kills.
	// (AfterFunc starts its goroutine only then, not on every run.)
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole program: it parses args, runs the command and returns the
// exit code. Tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) (code int) {
	defer func() {
		// A bug must not print a stack trace full of user data: one line, exit 3.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "port-gitops: internal error: %v (please report this)\n", r)
			code = cmdutil.ExitRun
		}
	}()
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(stderr, "port-gitops: %v\n", err)
		return cmdutil.ExitRun
	}
	io := &cmdutil.IO{In: stdin, Out: stdout, Err: stderr, Getenv: getenv, Dir: wd, IsTerminal: isTerminal(stdout)}
	return runWith(ctx, io, args)
}

// runWith runs the program with the given streams, environment and working
// directory, and returns the exit code.
func runWith(ctx context.Context, io *cmdutil.IO, args []string) int {
	app := newApp(io)
	err := app.RunContext(ctx, interspersed(app, helpArgs(app, args)))
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// Interrupted (Ctrl-C, or SIGTERM from a cancelled CI job): the
		// shell's convention, 128 + SIGINT.
		fmt.Fprintln(io.Err, "port-gitops: interrupted")
		return cmdutil.ExitInterrupted
	}
	code := cmdutil.ExitCode(err) // the one place errors become exit codes
	if err != nil && code != cmdutil.ExitFindings {
		fmt.Fprintf(io.Err, "port-gitops: %v\n", err)
	}
	return code
}

// setFlagStringer installs flagString and examplesHelpPrinter once per
// process (tests build many apps, some at once).
var setFlagStringer gosync.Once

func newApp(io *cmdutil.IO) *cli.App {
	v := buildVersion()
	app := &cli.App{
		Name:  "port-gitops",
		Usage: "keep Port catalog entities in git: validate on commit, sync after merge",
		Description: `Examples:
   port-gitops init
   port-gitops validate
   port-gitops sync --dry-run`,
		Version:        v,
		Writer:         io.Out,
		ErrWriter:      io.Err,
		HideVersion:    true,
		ExitErrHandler: func(*cli.Context, error) {}, // main decides exit codes
		Commands: []*cli.Command{
			validate.NewCommand(io, v),
			entitysync.NewCommand(io, v),
			blueprints.NewCommand(io, v),
			export.NewCommand(io, v, func(ctx context.Context, o *export.Options, ids []string) error {
				// export pulls the blueprints it needs with pull's own code.
				return blueprints.Pull(ctx, blueprints.Options{IO: io, ConfigPath: o.ConfigPath, IDs: ids,
					Port: o.Port, Version: v})
			}),
			drift.NewCommand(io, v),
			hooks.NewCommand(io),
			schemas.NewCommand(io),
			initcmd.NewCommand(io),
			versionCommand(io, v),
			completionCommand(io),
			completeCommand(io),
		},
		CommandNotFound: func(c *cli.Context, name string) {
			// Reported through the error returned by Action below.
		},
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "version", Aliases: []string{"v"}, Usage: "print the version"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				return printVersion(io, v)
			}
			if c.Args().Present() {
				var known []string
				for _, cmd := range c.App.VisibleCommands() {
					known = append(known, cmd.Names()...)
				}
				return cmdutil.UnknownSubcommand("port-gitops", c.Args().First(), known)
			}
			return cli.ShowAppHelp(c)
		},
	}
	for _, c := range app.Commands {
		if c.Name == "validate" {
			c.Before = func(*cli.Context) error { tuneGCForValidate(io.Getenv); return nil }
		}
	}
	app.OnUsageError = onUsageError
	for _, c := range app.Commands {
		setUsageErrors(c)
		setParentActions(c)
	}
	// Help: examples under their own heading, one default per flag, real
	// placeholders. urfave/cli renders flags and help through these
	// package-level hooks; every app this process builds wants the same.
	// A command's examples are moved when its help is printed, not here:
	// most runs print no help, and rewriting every command's help
	// template cost each of them about 10 page faults.
	setFlagStringer.Do(func() {
		cli.FlagStringer = flagString
		cli.HelpPrinter = examplesHelpPrinter(cli.HelpPrinter)
	})
	if desc, ex, ok := cutExamples(app.Description); ok {
		app.Description = desc
		app.CustomAppHelpTemplate = strings.TrimRight(cli.AppHelpTemplate, "\n") + "\n\nEXAMPLES:\n" + ex + "\n"
	}
	return app
}

// setParentActions gives every command that has subcommands an action that
// urfave/cli reaches only when the first argument names none of them: help
// when there is no argument, else a usage error with a "did you mean" (a
// typo such as "blueprints pul --check" must never pass as success).
func setParentActions(c *cli.Command) {
	if len(c.Subcommands) > 0 && c.Action == nil {
		c.Action = func(ctx *cli.Context) error {
			if !ctx.Args().Present() {
				return cli.ShowSubcommandHelp(ctx)
			}
			var known []string
			for _, s := range ctx.Command.Subcommands {
				known = append(known, s.Names()...)
			}
			return cmdutil.UnknownSubcommand(ctx.Command.HelpName, ctx.Args().First(), known)
		}
	}
	for _, s := range c.Subcommands {
		setParentActions(s)
	}
}

// setUsageErrors makes every command's flag mistakes exit 2: urfave/cli does
// not inherit OnUsageError.
func setUsageErrors(c *cli.Command) {
	c.OnUsageError = onUsageError
	for _, s := range c.Subcommands {
		setUsageErrors(s)
	}
}

func buildVersion() string {
	if version != "" {
		// A release: the stamp says it all, and reading the build
		// information would cost every run a few page faults.
		return versionString(version, commit, nil)
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return versionString(version, commit, info)
}

// versionString is what version prints: the stamped tag and commit of a
// release; else, for a binary built by go install module@version, the
// module's version (a pseudo-version names its commit); else "devel", with
// the commit when the build recorded one (-buildvcs).
func versionString(stamped, stampedCommit string, info *debug.BuildInfo) string {
	if stamped != "" {
		if stampedCommit != "" && !strings.Contains(stamped, stampedCommit) {
			return stamped + " (" + stampedCommit + ")"
		}
		return stamped
	}
	if info == nil {
		return "devel"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" && !strings.Contains(v, rev[:min(12, len(rev))]) {
		v += " (" + rev[:min(12, len(rev))] + dirty + ")"
	}
	return v
}

// tuneGCForValidate collects less often than the default: a validate run is
// short, keeps little alive (parse trees are dropped file by file) and
// allocates a little per file. On this project's 2-core benchmark machine,
// timing GOGC=100, 150, 200, 250, 300 and 400 runs interleaved on catalogs
// of 1,000 and 10,000 files, 200 came out best or level with the best;
// above it the extra fresh memory costs more in page faults than the
// collections it saves. There is no soft memory limit: the heap stays within
// three times what is alive, which is the parse trees of the files being
// checked, so it grows with the largest file and no further. A fixed limit
// (64 MiB until this was measured) made one 25 MB file of 80,000 entities
// collect continuously: 3.6 s of CPU instead of 0.9 s. Commands that keep
// much alive (sync) keep the default. A GOGC or GOMEMLIMIT the user set wins.
func tuneGCForValidate(getenv func(string) string) {
	if getenv("GOGC") == "" && getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(200)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
