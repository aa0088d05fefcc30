// Package cmdutil holds what every port-gitops command shares: the process's
// streams and environment, and the error kinds that main.go maps to exit codes.
//
// It must not import urfave/cli, read os.Args or the real environment, or print:
// commands receive an IO value and return errors; only main.go turns an error
// into an exit code.
package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/portapi"
)

// Exit codes, documented in the README. No other values are ever returned;
// ExitCode maps errors to the first four, main.go alone returns ExitInterrupted.
const (
	ExitOK       = 0 // everything valid or synced
	ExitFindings = 1 // findings: invalid entities, entities Port rejected, a stale cache
	ExitUsage    = 2 // usage or configuration error
	ExitRun      = 3 // could not run: I/O, git, network or auth after retries
	// ExitInterrupted is 128 + SIGINT, the shell's convention for a command
	// stopped by Ctrl-C (or by SIGTERM from a cancelled CI job).
	ExitInterrupted = 130
)

// IO is what a command may touch of the process: its streams, its environment
// and its working directory. Tests fill it with buffers and a map.
type IO struct {
	In     io.Reader
	Out    io.Writer // findings, plans, summaries
	Err    io.Writer // diagnostics
	Getenv func(string) string
	Dir    string // working directory, absolute
	// IsTerminal reports whether Out is a terminal (for --color auto).
	IsTerminal bool
}

// Env returns the value of an environment variable, or "" when IO has no
// environment.
func (o *IO) Env(key string) string {
	if o == nil || o.Getenv == nil {
		return ""
	}
	return o.Getenv(key)
}

// ErrFindings says the command found problems and has already reported them:
// exit code 1, nothing more to print.
var ErrFindings = errors.New("findings reported")

// UsageError is a usage or configuration mistake: exit code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usage wraps err as a usage or configuration error (exit 2). A nil err stays nil.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	var u *UsageError
	if errors.As(err, &u) {
		return err
	}
	return &UsageError{Err: err}
}

// ConfigError is the exit-code kind of an error from config.Load: a mistake
// in the configuration is a usage error (exit 2); a configuration that
// cannot be read is "could not run" (exit 3), like an unreadable entity
// file or blueprint cache.
func ConfigError(err error) error {
	var ce *config.Error
	if errors.As(err, &ce) && ce.Unreadable {
		return err
	}
	return Usage(err)
}

// CacheError is ConfigError for an error opening the blueprint cache: a
// broken cache (*blueprint.LoadError, such as a cache directory that leads
// outside the repository) is a usage error (exit 2); anything else, an
// I/O error, could not run.
func CacheError(err error) error {
	var le *blueprint.LoadError
	if errors.As(err, &le) {
		return Usage(err)
	}
	return err
}

// Usagef formats a usage or configuration error (exit 2).
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ExitCode maps an error returned by a command to the process exit code.
// Anything not recognised is "could not run".
func ExitCode(err error) int {
	var u *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrFindings):
		return ExitFindings
	case errors.As(err, &u):
		return ExitUsage
	default:
		return ExitRun
	}
}

// UseColor decides whether output gets colour: "always", "never", or "auto",
// which honours NO_COLOR (any value turns colour off), then CLICOLOR_FORCE
// (any value but 0 turns it on), then TERM=dumb (off), then whether Out is a
// terminal.
func UseColor(when string, o *IO) (bool, error) {
	switch when {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		if o.Env("NO_COLOR") != "" {
			return false, nil
		}
		if v := o.Env("CLICOLOR_FORCE"); v != "" && v != "0" {
			return true, nil
		}
		if o.Env("TERM") == "dumb" {
			return false, nil
		}
		return o.IsTerminal, nil
	}
	return false, Usagef("unknown --color %q (valid: auto, always, never)", when)
}

// PortOptions are the command-line inputs every command that talks to Port
// shares.
type PortOptions struct {
	APIURL  string // --api-url
	Region  string // --region
	Verbose bool   // --verbose: one line per request on Err
	Version string // for the User-Agent
	// RateLimitBudget is --rate-limit-budget as given ("" when not given:
	// PORT_GITOPS_RATE_LIMIT_BUDGET, else portapi's default).
	RateLimitBudget string
	// Retry and Concurrency tune the client; zero values mean its defaults.
	// A RateLimitBudget given replaces Retry.RateLimitBudget.
	Retry       portapi.RetryPolicy
	Concurrency int
}

// RateLimitBudgetEnv is the environment variable that sets the rate-limit
// budget when --rate-limit-budget is not given.
const RateLimitBudgetEnv = "PORT_GITOPS_RATE_LIMIT_BUDGET"

// maxRateLimitBudget bounds --rate-limit-budget: a CI job that waits a day
// for Port is a mistake.
const maxRateLimitBudget = 24 * time.Hour

// PortClient builds the Port API client: the base URL from --api-url, else
// --region, else PORT_BASE_URL, else the EU region (an explicit flag wins
// over the environment); the credentials only from PORT_CLIENT_ID and
// PORT_CLIENT_SECRET (never a flag: flags end up in shell history and
// process lists). White space around a credential (a newline pasted into a
// CI secret store) is dropped, and Err says so once, naming the variable,
// never its value. Each wait before a retry is one line on Err. A bad URL,
// region or budget is a usage error; missing credentials are
// portapi.ErrNoCredentials.
func PortClient(o *IO, p PortOptions) (*portapi.Client, error) {
	base, err := portapi.ResolveBaseURL(p.APIURL, o.Env("PORT_BASE_URL"), p.Region)
	if err != nil {
		return nil, Usage(err)
	}
	if p.Concurrency < 0 {
		return nil, Usagef("--concurrency must be at least 1 (got %d)", p.Concurrency)
	}
	retry := p.Retry
	budget, source := p.RateLimitBudget, "--rate-limit-budget"
	if budget == "" {
		budget, source = o.Env(RateLimitBudgetEnv), RateLimitBudgetEnv
	}
	if budget != "" {
		d, err := ParseRateLimitBudget(budget)
		if err != nil {
			return nil, Usagef("%s: %v", source, err)
		}
		retry.RateLimitBudget = d
	}
	cfg := portapi.Config{
		BaseURL:      base,
		ClientID:     credential(o, "PORT_CLIENT_ID"),
		ClientSecret: credential(o, "PORT_CLIENT_SECRET"),
		UserAgent:    "port-gitops/" + p.Version,
		Retry:        retry,
		Concurrency:  p.Concurrency,
		Notify:       func(line string) { fmt.Fprintf(o.Err, "port-gitops: %s\n", line) },
	}
	if p.Verbose {
		cfg.Logf = func(format string, args ...any) { fmt.Fprintf(o.Err, "port-gitops: "+format+"\n", args...) }
	}
	return portapi.New(cfg)
}

// RateLimitBudgetUsage is the --rate-limit-budget flag's help.
const RateLimitBudgetUsage = "longest total `DURATION` to wait while Port rate limits the run (default: " +
	RateLimitBudgetEnv + ", else 10m)"

// CheckConcurrency is the --concurrency flag's check: at least 1.
func CheckConcurrency(n int) error {
	if n < 1 {
		return Usagef("--concurrency must be at least 1 (got %d)", n)
	}
	return nil
}

// ParseRateLimitBudget reads a rate-limit budget: a Go duration ("10m",
// "90s", "1h30m") above zero and at most 24 hours.
func ParseRateLimitBudget(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a duration (examples: 10m, 90s, 1h)", s)
	case d <= 0:
		return 0, fmt.Errorf("%q: the budget must be above zero", s)
	case d > maxRateLimitBudget:
		return 0, fmt.Errorf("%q: the budget is at most %s", s, maxRateLimitBudget)
	}
	return d, nil
}

// credential returns an environment variable without surrounding white
// space, and says on Err what was dropped.
func credential(o *IO, name string) string {
	v := o.Env(name)
	t := strings.TrimSpace(v)
	if t == v || t == "" {
		return v
	}
	var what []string
	if lead := v[:strings.Index(v, t)]; lead != "" {
		what = append(what, "starts with "+describeSpace(lead))
	}
	if trail := v[strings.Index(v, t)+len(t):]; trail != "" {
		what = append(what, "ends with "+describeSpace(trail))
	}
	fmt.Fprintf(o.Err, "port-gitops: %s %s; using it without (fix the variable where it is set)\n", name, strings.Join(what, " and "))
	return t
}

// describeSpace names white space for a person: "a newline", "a carriage
// return and a newline", "2 spaces", "white space".
func describeSpace(s string) string {
	switch s {
	case "\n":
		return "a newline"
	case "\r\n":
		return "a carriage return and a newline"
	case " ":
		return "a space"
	case "\t":
		return "a tab"
	}
	if strings.Trim(s, " ") == "" {
		return fmt.Sprintf("%d spaces", len(s))
	}
	return "white space"
}

// AppendStepSummary appends markdown to the file GITHUB_STEP_SUMMARY names
// (GitHub Actions shows it on the run's page); without the variable it does
// nothing.
func (o *IO) AppendStepSummary(markdown string) error {
	p := o.Env("GITHUB_STEP_SUMMARY")
	if p == "" {
		return nil
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		_, err = f.WriteString(markdown)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("write GITHUB_STEP_SUMMARY: %w", err)
	}
	return nil
}

// Rel shows a path relative to the working directory, slash-separated, so
// that editors and terminals can open it; a path it cannot relate comes back
// as is.
func (o *IO) Rel(path string) string {
	if r, err := filepath.Rel(o.Dir, path); err == nil {
		return filepath.ToSlash(r)
	}
	return path
}

// DisplayPath returns a function that shows paths relative to root (as
// findings carry them) relative to the working directory instead.
func (o *IO) DisplayPath(root string) func(string) string {
	return func(rel string) string {
		if filepath.IsAbs(rel) {
			return rel
		}
		return o.Rel(filepath.Join(root, filepath.FromSlash(rel)))
	}
}

// UnknownSubcommand is the usage error (exit 2) for a command level that
// was given a subcommand it lacks: command is the level ("port-gitops
// hooks"), name what was typed, known the names of its subcommands, which
// give a "did you mean". A parent command's action returns it whenever it is
// reached with an argument, so that a typo never passes as success.
func UnknownSubcommand(command, name string, known []string) error {
	if s := entity.Suggest(name, known); s != "" {
		return Usagef("unknown command %q for %q (did you mean %q?)", name, command, s)
	}
	return Usagef("unknown command %q for %q (run %s --help)", name, command, command)
}
