package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/entity"
)

// interspersed moves the flags of the command that args name in front of its
// positional arguments, so that `validate a.json --format json` works as gh
// and most CLIs do: urfave/cli stops reading flags at the first positional
// argument. Everything after "--" stays positional; a flag that takes a value
// keeps the value that follows it; an unknown flag is moved too, so that the
// parser reports it. args[0] is the program name.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	i := 1
	// The command path: leading flags of the app (--help, --version) and
	// command names, down to the deepest command named.
	cmds := app.Commands
	var leaf *cli.Command
	for i < len(args) {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			break
		}
		c := findCommand(cmds, a)
		if c == nil {
			break
		}
		out = append(out, a)
		leaf = c
		cmds = c.Subcommands
		i++
		if len(cmds) == 0 {
			break
		}
	}
	if leaf == nil || leaf.SkipFlagParsing || len(leaf.Subcommands) > 0 || !flagAfterWord(args[i:]) {
		// No command, or a parent whose next word names no subcommand:
		// leave the words as they are, so that the parent reports the
		// unknown subcommand rather than a flag of it. And when no flag
		// follows a word that is not a flag, there is nothing to move
		// (the common case: asking urfave/cli for each flag's names costs
		// a regexp per name).
		return append(out, args[i:]...)
	}
	return moveFlags(leaf, out, args[i:])
}

// moveFlags appends to out the flags among a leaf command's args, each with
// the value it takes, and then the other words.
func moveFlags(leaf *cli.Command, out, args []string) []string {
	takesValue := map[string]bool{}
	for _, f := range leaf.Flags {
		tv := false
		if d, ok := f.(cli.DocGenerationFlag); ok {
			tv = d.TakesValue()
		}
		for _, n := range f.Names() {
			takesValue[n] = tv
		}
	}
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if takesValue[name] && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	out = append(out, flags...)
	return append(out, positional...)
}

// flagAfterWord reports whether a flag comes after a word that is not one:
// only then may interspersed have something to move. ("--" counts as a
// flag: what follows it stays where it is either way.)
func flagAfterWord(args []string) bool {
	word := false
	for _, a := range args {
		isFlag := len(a) >= 2 && a[0] == '-'
		if isFlag && word {
			return true
		}
		word = word || !isFlag
	}
	return false
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// onUsageError makes flag mistakes usage errors (exit 2) and words an unknown
// flag as `unknown flag --formt (did you mean --format?)`.
func onUsageError(c *cli.Context, err error, _ bool) error {
	const undefined = "flag provided but not defined: -"
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, undefined); ok {
		name = strings.TrimLeft(name, "-")
		var candidates []string
		if c != nil && c.Command != nil {
			for _, f := range c.Command.Flags {
				candidates = append(candidates, f.Names()...)
			}
		}
		if c != nil && c.App != nil && (c.Command == nil || c.Command.Name == "") {
			for _, f := range c.App.Flags {
				candidates = append(candidates, f.Names()...)
			}
		}
		text := fmt.Sprintf("unknown flag %s", dashes(name))
		if s := entity.Suggest(name, candidates); s != "" {
			text += fmt.Sprintf(" (did you mean %s?)", dashes(s))
		}
		return cmdutil.Usagef("%s", text)
	}
	return cmdutil.Usage(err)
}

// dashes writes a flag name as it is typed: -v, --format.
func dashes(name string) string {
	if len([]rune(name)) == 1 {
		return "-" + name
	}
	return "--" + name
}

// helpArgs turns `help CMD SUB...` into `CMD SUB... --help`: urfave/cli's
// help command only looks one level down, so `help blueprints pull` would
// show the help of blueprints.
func helpArgs(app *cli.App, args []string) []string {
	if len(args) < 3 || (args[1] != "help" && args[1] != "h") {
		return args
	}
	cmds := app.Commands
	path := []string{args[0]}
	for _, a := range args[2:] {
		c := findCommand(cmds, a)
		if c == nil {
			return args // let the help command say what it does not know
		}
		path = append(path, a)
		cmds = c.Subcommands
	}
	return append(path, "--help")
}

// examplesHelpPrinter wraps urfave/cli's help printer: a command whose
// help is about to be printed with a default template first gets its
// examples moved under an EXAMPLES heading (examplesHeading).
func examplesHelpPrinter(print func(w io.Writer, templ string, data any)) func(w io.Writer, templ string, data any) {
	return func(w io.Writer, templ string, data any) {
		if c, ok := data.(*cli.Command); ok && c.CustomHelpTemplate == "" &&
			(templ == cli.CommandHelpTemplate || templ == cli.SubcommandHelpTemplate) {
			if examplesHeading(c) {
				templ = c.CustomHelpTemplate
			}
		}
		print(w, templ, data)
	}
}

// examplesHeading moves the examples at the end of a command's description
// under an EXAMPLES heading of their own, in a help template of the
// command's own. It reports whether the command had examples to move.
func examplesHeading(c *cli.Command) bool {
	desc, examples, ok := cutExamples(c.Description)
	if !ok || strings.Contains(examples, "{{") {
		return false
	}
	c.Description = desc
	// Once a command runs, urfave/cli has given it a "help" subcommand:
	// only commands with subcommands of their own get the template that
	// lists them.
	tmpl := cli.CommandHelpTemplate
	for _, s := range c.Subcommands {
		if s.Name != "help" {
			tmpl = cli.SubcommandHelpTemplate
			break
		}
	}
	c.CustomHelpTemplate = strings.TrimRight(tmpl, "\n") + "\n\nEXAMPLES:\n" + examples + "\n"
	return true
}

// cutExamples splits a description at its "Example:" or "Examples:" line.
func cutExamples(desc string) (before, examples string, ok bool) {
	for _, marker := range []string{"Examples:\n", "Example:\n"} {
		i := strings.Index(desc, marker)
		if i < 0 || (i > 0 && desc[i-1] != '\n') {
			continue
		}
		return strings.TrimRight(desc[:i], "\n "), strings.TrimRight(desc[i+len(marker):], "\n "), true
	}
	return desc, "", false
}

// flagString renders one flag in help: names, a placeholder for a value
// (the usage's `WORD`, else one derived from the flag's type), the usage,
// and a default only when there is one worth saying and the usage does not
// already say it. Booleans show no default.
func flagString(f cli.Flag) string {
	d, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return f.String()
	}
	usage := d.GetUsage()
	placeholder, usage := backquoted(usage)
	var names []string
	for _, n := range f.Names() {
		names = append(names, dashes(n))
	}
	s := strings.Join(names, ", ")
	if d.TakesValue() {
		if placeholder == "" {
			placeholder = defaultPlaceholder(f)
		}
		s += " " + placeholder
	}
	s += "\t" + usage
	def := d.GetDefaultText()
	if def == "" {
		def = d.GetValue()
	}
	if d.TakesValue() && def != "" && def != "0" && def != `""` && !strings.Contains(usage, "default") {
		s += " (default: " + strings.Trim(def, `"`) + ")"
	}
	return s
}

func defaultPlaceholder(f cli.Flag) string {
	switch f.(type) {
	case *cli.IntFlag, *cli.Int64Flag, *cli.UintFlag, *cli.Uint64Flag:
		return "N"
	case *cli.DurationFlag:
		return "DURATION"
	}
	return strings.ToUpper(strings.ReplaceAll(f.Names()[0], "-", "_"))
}

// backquoted returns the first `WORD` of a usage string (the flag's value
// placeholder, as urfave/cli spells it) and the usage without the quotes.
func backquoted(usage string) (word, rest string) {
	i := strings.IndexByte(usage, '`')
	if i < 0 {
		return "", usage
	}
	j := strings.IndexByte(usage[i+1:], '`')
	if j < 0 {
		return "", usage
	}
	word = usage[i+1 : i+1+j]
	return word, usage[:i] + word + usage[i+2+j:]
}
