package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// Shell scripts that ask port-gitops itself for candidates (the hidden
// __complete command), so they follow the binary's commands, flags and flag
// values without being regenerated. The protocol: `port-gitops __complete
// --cur=WORD -- WORDS...`, WORDS being what comes before the word under the
// cursor; the answer is one candidate a line (a tab, then a description),
// or the line ":files" when file names are what fits.
const bashCompletion = `# port-gitops bash completion: source <(port-gitops completion bash)
_port_gitops() {
  local cur="${COMP_WORDS[COMP_CWORD]}" line
  COMPREPLY=()
  while IFS= read -r line; do
    if [[ "$line" == ":files" ]]; then
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$cur"))
      return 0
    fi
    [[ -n "$line" ]] && COMPREPLY+=("${line%%$'\t'*}")
  done < <("${COMP_WORDS[0]}" __complete "--cur=$cur" -- "${COMP_WORDS[@]:1:COMP_CWORD-1}" 2>/dev/null)
  return 0
}
complete -F _port_gitops port-gitops
`

const zshCompletion = `#compdef port-gitops
# port-gitops zsh completion: port-gitops completion zsh > "${fpath[1]}/_port-gitops"
_port_gitops() {
  local -a lines cands
  local line
  lines=("${(@f)$(${words[1]} __complete "--cur=${words[CURRENT]}" -- "${(@)words[2,CURRENT-1]}" 2>/dev/null)}")
  for line in $lines; do
    if [[ "$line" == ":files" ]]; then
      _files
      return
    fi
    [[ -n "$line" ]] && cands+=("${line/$'\t'/:}")
  done
  _describe 'port-gitops' cands
}
compdef _port_gitops port-gitops
`

const fishCompletion = `# port-gitops fish completion: port-gitops completion fish > ~/.config/fish/completions/port-gitops.fish
function __port_gitops_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l cur (commandline -ct)
    set -l out (port-gitops __complete --cur=$cur -- $words 2>/dev/null)
    if contains -- :files $out
        __fish_complete_path $cur
    else
        printf '%s\n' $out
    end
end
complete -c port-gitops -f -a '(__port_gitops_complete)'
`

const powershellCompletion = `# port-gitops PowerShell completion: port-gitops completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName port-gitops -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
    if ($wordToComplete -ne '' -and $words.Count -gt 0) { $words = @($words | Select-Object -SkipLast 1) }
    $out = @(& port-gitops __complete "--cur=$wordToComplete" -- @words 2>$null)
    if ($out -contains ':files') { return }  # nothing returned: PowerShell completes paths
    foreach ($line in $out) {
        if ($line -eq '') { continue }
        $name, $desc = $line -split "` + "`" + `t", 2
        if (-not $desc) { $desc = $name }
        [System.Management.Automation.CompletionResult]::new($name, $name, 'ParameterValue', $desc)
    }
}
`

var completionScripts = map[string]string{
	"bash":       bashCompletion,
	"zsh":        zshCompletion,
	"fish":       fishCompletion,
	"powershell": powershellCompletion,
}

func completionCommand(io *cmdutil.IO) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh, fish or powershell)",
		ArgsUsage: "bash|zsh|fish|powershell",
		Description: `Examples:
   source <(port-gitops completion bash)
   port-gitops completion zsh > "${fpath[1]}/_port-gitops"
   port-gitops completion fish > ~/.config/fish/completions/port-gitops.fish
   port-gitops completion powershell | Out-String | Invoke-Expression`,
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return cmdutil.Usagef("completion takes one shell: bash, zsh, fish or powershell")
			}
			shell := c.Args().First()
			script, ok := completionScripts[shell]
			if !ok {
				return cmdutil.Usagef("unknown shell %q (valid: bash, zsh, fish, powershell)", shell)
			}
			_, err := fmt.Fprint(io.Out, script)
			return err
		},
	}
}

// completeCommand answers the completion scripts (see bashCompletion).
func completeCommand(io *cmdutil.IO) *cli.Command {
	return &cli.Command{
		Name:            "__complete",
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			var cur string
			if len(args) > 0 {
				if v, ok := strings.CutPrefix(args[0], "--cur="); ok {
					cur, args = v, args[1:]
				}
			}
			if len(args) > 0 && args[0] == "--" {
				args = args[1:]
			}
			for _, line := range complete(c.App, args, cur) {
				if _, err := fmt.Fprintln(io.Out, line); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// complete returns the candidates for the word cur after words (which do
// not include the program name): subcommands, flags, a flag's values, or
// ":files".
func complete(app *cli.App, words []string, cur string) []string {
	cmds := app.Commands
	var leaf *cli.Command
	flags := app.Flags
	for i := 0; i < len(words); i++ {
		w := words[i]
		if strings.HasPrefix(w, "-") {
			if f := lookupFlag(flags, w); f != nil && takesValue(f) && !strings.Contains(w, "=") {
				i++ // its value
			}
			continue
		}
		if c := findCommand(cmds, w); c != nil && !c.Hidden {
			leaf, cmds, flags = c, c.Subcommands, c.Flags
		}
	}
	// The value of a flag: the word before cur, or --flag=cur.
	var valueOf cli.Flag
	prefix := ""
	if name, v, ok := strings.Cut(cur, "="); ok && strings.HasPrefix(cur, "-") {
		valueOf, cur, prefix = lookupFlag(flags, name), v, name+"="
	} else if len(words) > 0 {
		if f := lookupFlag(flags, words[len(words)-1]); f != nil && takesValue(f) && !strings.Contains(words[len(words)-1], "=") {
			valueOf = f
		}
	}
	var out []string
	add := func(cand, desc string) {
		if strings.HasPrefix(cand, cur) {
			if desc != "" {
				cand += "\t" + desc
			}
			out = append(out, prefix+cand)
		}
	}
	switch {
	case valueOf != nil:
		values, files := flagValues(valueOf)
		if files {
			return []string{":files"}
		}
		for _, v := range values {
			add(v, "")
		}
	case strings.HasPrefix(cur, "-"):
		for _, f := range flags {
			for _, n := range f.Names() {
				desc := ""
				if d, ok := f.(cli.DocGenerationFlag); ok {
					_, desc = backquoted(d.GetUsage())
				}
				add(dashes(n), desc)
			}
		}
		add("--help", "show help")
	case len(cmds) > 0:
		for _, c := range cmds {
			if !c.Hidden {
				add(c.Name, c.Usage)
			}
		}
	case leaf != nil && leaf.ArgsUsage != "" && strings.ContainsAny(leaf.ArgsUsage, "FD"):
		return []string{":files"}
	}
	return out
}

func lookupFlag(flags []cli.Flag, word string) cli.Flag {
	name, _, _ := strings.Cut(strings.TrimLeft(word, "-"), "=")
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func takesValue(f cli.Flag) bool {
	d, ok := f.(cli.DocGenerationFlag)
	return ok && d.TakesValue()
}

// knownValues are the values of flags whose usage does not list them in
// the "WORD: a, b, c" form.
var knownValues = map[string][]string{
	"state":  {"port", "none"},
	"region": {"eu", "us"},
}

// flagValues lists a flag's values: from knownValues, else from its usage
// ("output FORMAT: github, json, sarif, text"); a FILE or DIR placeholder
// means file names.
func flagValues(f cli.Flag) (values []string, files bool) {
	if v, ok := knownValues[f.Names()[0]]; ok {
		return v, false
	}
	d, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return nil, false
	}
	placeholder, usage := backquoted(d.GetUsage())
	if placeholder == "FILE" || placeholder == "DIR" || placeholder == "PATH" {
		return nil, true
	}
	_, list, ok := strings.Cut(usage, ": ")
	if !ok {
		return nil, false
	}
	if i := strings.IndexAny(list, "(;"); i >= 0 {
		list = list[:i]
	}
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		if v == "" || strings.ContainsAny(v, " .") {
			return nil, false // prose, not a list of values
		}
		values = append(values, v)
	}
	return values, false
}

func versionCommand(io *cmdutil.IO, v string) *cli.Command {
	return &cli.Command{
		Name:        "version",
		Usage:       "print the version of port-gitops",
		Description: "Example:\n   port-gitops version",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return cmdutil.Usagef("version takes no arguments, got %q", c.Args().First())
			}
			return printVersion(io, v)
		},
	}
}

func printVersion(io *cmdutil.IO, v string) error {
	_, err := fmt.Fprintf(io.Out, "port-gitops %s\n", v)
	return err
}
