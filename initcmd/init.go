// Package initcmd is the `port-gitops init` command: it writes a starting
// configuration and an example entity into a repository, asking nothing and
// never overwriting a file.
package initcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/walk"
)

// Options are the init command's inputs.
type Options struct {
	IO        *cmdutil.IO
	Blueprint string // default blueprint of entity files
	Files     string // entity files glob
}

// NewCommand returns the init command.
func NewCommand(io *cmdutil.IO) *cli.Command {
	opts := Options{IO: io}
	return &cli.Command{
		Name:  "init",
		Usage: "set up port-gitops in this repository",
		Description: `Writes .port/gitops.yaml, creates the blueprint cache directory and, where
no entity file exists yet, an example entity.json; a repository that
already has Port's port.yml files gets a rule for them too. Then it prints
the next steps. It asks nothing and never overwrites a file.

Examples:
   port-gitops init
   port-gitops init --blueprint service --files "services/*/entity.json"`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "blueprint", Value: "microservice", Usage: "blueprint `ID` of the entity files", Destination: &opts.Blueprint},
			&cli.StringFlag{Name: "files", Value: config.DefaultEntityGlob, Usage: "`GLOB` of the entity files, relative to the repository root", Destination: &opts.Files},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return cmdutil.Usagef("init takes no arguments, got %q", c.Args().First())
			}
			return Run(c.Context, opts)
		},
	}
}

// Run sets up the repository that contains the working directory.
func Run(_ context.Context, opts Options) error {
	if _, err := config.CompileGlob(opts.Files); err != nil {
		return cmdutil.Usagef("--files %q: %v", opts.Files, err)
	}
	if err := blueprint.CheckIdentifier(opts.Blueprint); err != nil {
		return cmdutil.Usagef("--blueprint: %v", err)
	}
	root := config.GitRoot(opts.IO.Dir)
	if root == "" {
		root = opts.IO.Dir
	}
	out := opts.IO.Out
	rel := opts.IO.Rel
	cfgPath := filepath.Join(root, filepath.FromSlash(config.DefaultPath))
	yamlRule := ""
	if n, err := portYMLFiles(root, opts.Files); err != nil {
		return err
	} else if n > 0 {
		yamlRule = fmt.Sprintf(`  - files: %q       # Port's GitOps files: %d in this repository, read as YAML
    # exclude: ["tools/**/port.yml"]  # port.yml files of other tools
`, config.DefaultYAMLGlob, n)
	}
	cfgBody := fmt.Sprintf(`# port-gitops configuration. Paths are relative to the repository root.
blueprints: %s     # the blueprint cache: one <identifier>.json per blueprint
entities:
  - files: %q
    blueprint: %s    # for entities that carry no "blueprint" key
%s# prune: true                  # let sync delete entities whose files are gone
`, config.DefaultBlueprintDir, opts.Files, opts.Blueprint, yamlRule)
	wrote, err := writeNew(cfgPath, cfgBody)
	if err != nil {
		return err
	}
	say(out, wrote, rel(cfgPath))
	cacheDir := filepath.Join(root, filepath.FromSlash(config.DefaultBlueprintDir))
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", rel(cacheDir), err)
	}
	cfg, err := config.Load(root, "")
	if err != nil {
		return cmdutil.ConfigError(err)
	}
	has, err := hasEntityFile(cfg)
	if err != nil {
		return err
	}
	if !has {
		example := exampleEntityPath(root, opts.Files)
		if example == "" {
			fmt.Fprintf(out, "no entity file matches %q yet; create one there\n", opts.Files)
		} else {
			name := filepath.Base(root)
			wrote, err := writeNew(example, fmt.Sprintf(`{
  "identifier": %q,
  "title": %q,
  "properties": {}
}
`, identifierFrom(name), name))
			if err != nil {
				return err
			}
			say(out, wrote, rel(example))
		}
	} else {
		fmt.Fprintln(out, "entity files already exist: no example written")
	}
	fmt.Fprintf(out, `
Next steps:
  1. Fill the blueprint cache: port-gitops blueprints pull %s
     (with PORT_CLIENT_ID and PORT_CLIENT_SECRET in the environment: load them from
     your secret store or CI secrets, never type the secret on a command line)
  2. Check your entities:      port-gitops validate
  3. Check on every commit:    port-gitops hooks install
     (or, with the pre-commit framework, add the port-gitops-validate hook to .pre-commit-config.yaml)
  4. See what a sync would do: port-gitops sync --dry-run
`, opts.Blueprint)
	return nil
}

func say(w io.Writer, wrote bool, path string) {
	if wrote {
		fmt.Fprintf(w, "wrote %s\n", path)
	} else {
		fmt.Fprintf(w, "kept %s (it exists)\n", path)
	}
}

// writeNew creates path with body unless it exists; it reports whether it
// wrote. O_EXCL makes "never overwrite" hold even against a race.
func writeNew(path, body string) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, werr := f.WriteString(body)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr == nil, werr
}

// portYMLFiles counts the port.yml files (Port's own GitOps files) of the
// repository at root that the --files glob does not cover already; 0 when
// a configuration file exists, since init keeps it as it is.
func portYMLFiles(root, files string) (int, error) {
	cfg, err := config.Load(root, "")
	if err != nil || cfg.Path != "" {
		return 0, nil // an existing configuration stays; its mistakes are for validate
	}
	files0 := config.MustCompileGlob(files)
	n := 0
	err = walk.Walk(cfg, cfg.Root, func(f *walk.File) {
		if path.Base(f.Rel) == "port.yml" && !files0.Match(f.Rel) {
			n++
		}
	})
	return n, err
}

func hasEntityFile(cfg *config.Config) (bool, error) {
	found := false
	err := walk.Walk(cfg, cfg.Root, func(*walk.File) { found = true })
	return found, err
}

// exampleEntityPath turns the glob into a concrete path for the example
// entity: ** and * segments become nothing, a literal file name is kept.
// It returns "" when the glob's file name is itself a pattern.
func exampleEntityPath(root, glob string) string {
	segs := strings.Split(glob, "/")
	name := segs[len(segs)-1]
	if strings.ContainsAny(name, "*?[") {
		return ""
	}
	var parts []string
	for _, s := range segs[:len(segs)-1] {
		if strings.ContainsAny(s, "*?[") {
			continue
		}
		parts = append(parts, s)
	}
	return filepath.Join(append([]string{root}, append(parts, name)...)...)
}

func identifierFrom(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if blueprint.CheckIdentifier(string(r)) == nil {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	if s := strings.Trim(b.String(), "-."); s != "" {
		return s
	}
	return "my-service"
}
