package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// Shell scripts that ask port-gitops itself for completions
// (--generate-bash-completion), so they follow the binary's commands and
// flags without being regenerated.
const bashCompletion = `# port-gitops bash completion: source <(port-gitops completion bash)
_port_gitops_complete() {
  local cur opts
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == "-"* ]]; then
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  return 0
}
complete -o bashdefault -o default -F _port_gitops_complete port-gitops
`

const zshCompletion = `#compdef port-gitops
# port-gitops zsh completion: port-gitops completion zsh > "${fpath[1]}/_port-gitops"
_port_gitops() {
  local -a opts
  local cur="${words[-1]}"
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} "$cur" --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _port_gitops port-gitops
`

func completionCommand(io *cmdutil.IO) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: `Examples:
   source <(port-gitops completion bash)
   port-gitops completion zsh > "${fpath[1]}/_port-gitops"
   port-gitops completion fish > ~/.config/fish/completions/port-gitops.fish`,
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return cmdutil.Usagef("completion takes one shell: bash, zsh or fish")
			}
			switch shell := c.Args().First(); shell {
			case "bash":
				_, err := fmt.Fprint(io.Out, bashCompletion)
				return err
			case "zsh":
				_, err := fmt.Fprint(io.Out, zshCompletion)
				return err
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(io.Out, s)
				return err
			default:
				return cmdutil.Usagef("unknown shell %q (valid: bash, zsh, fish)", shell)
			}
		},
	}
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
