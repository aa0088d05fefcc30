// Package schemas is the `port-gitops schemas` command: `export` writes,
// from the blueprint cache, the JSON Schemas editors use to underline
// mistakes in entity files while typing, and wires them into VS Code;
// `modeline` prints the line that points the YAML language server at the
// schema of one file.
package schemas

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/port-gitops/port-gitops/internal/atomicfile"
	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/editorschema"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// Options are the schemas commands' inputs.
type Options struct {
	IO         *cmdutil.IO
	ConfigPath string
	Out        string // --out; "" is .port/schemas under the repository root
	Check      bool
	VSCode     bool
	File       string // modeline's FILE
}

// NewCommand returns the schemas command.
func NewCommand(io *cmdutil.IO) *cli.Command {
	opts := Options{IO: io}
	configFlag := &cli.StringFlag{Name: "config", Usage: "configuration `FILE`", Destination: &opts.ConfigPath}
	return &cli.Command{
		Name:  "schemas",
		Usage: "JSON Schemas of the cached blueprints, for editors",
		Description: `Examples:
   port-gitops schemas export --vscode
   port-gitops schemas export --check
   port-gitops schemas modeline services/payments/port.yml`,
		Subcommands: []*cli.Command{{
			Name:  "export",
			Usage: "write a JSON Schema per cached blueprint, and a catalog schema",
			Description: `Writes, from the blueprint cache, one JSON Schema (draft-07) per blueprint
describing a whole entity file (blueprints/<ID>.schema.json) and a catalog
schema for files whose entities name their blueprint (catalog.schema.json).
Output is stable: re-exporting unchanged blueprints leaves git diff empty.
Schemas of blueprints no longer cached are removed. blueprints pull
refreshes .port/schemas when it exists.

--vscode adds json.schemas and yaml.schemas entries for the configuration's
rules to .vscode/settings.json, keeping everything else in it; a file that
is not plain JSON (comments, trailing commas) is left alone and the entries
are printed to add by hand.

Examples:
   port-gitops schemas export --vscode
   port-gitops schemas export --check      # exit 1 when the schemas are stale`,
			Flags: []cli.Flag{
				configFlag,
				&cli.StringFlag{Name: "out", Usage: "schemas `DIR` (default: .port/schemas in the repository)", Destination: &opts.Out},
				&cli.BoolFlag{Name: "check", Usage: "compare with the exported schemas and write nothing; exit 1 when they are stale", Destination: &opts.Check},
				&cli.BoolFlag{Name: "vscode", Usage: "also wire the schemas into .vscode/settings.json", Destination: &opts.VSCode},
			},
			Action: func(c *cli.Context) error {
				if c.Args().Present() {
					return cmdutil.Usagef("schemas export takes no arguments, got %q", c.Args().First())
				}
				return Export(c.Context, opts)
			},
		}, {
			Name:      "modeline",
			Usage:     "print the yaml-language-server line for one YAML entity file",
			ArgsUsage: "FILE",
			Description: `Prints "# yaml-language-server: $schema=..." for FILE, pointing at the
exported schema of the configuration rule that makes FILE an entity file.
Put it as the first line of the file when your editor has no settings for
the YAML language server.

Examples:
   port-gitops schemas modeline services/payments/port.yml`,
			Flags: []cli.Flag{configFlag,
				&cli.StringFlag{Name: "out", Usage: "schemas `DIR` (default: .port/schemas in the repository)", Destination: &opts.Out}},
			Action: func(c *cli.Context) error {
				if c.Args().Len() != 1 {
					return cmdutil.Usagef("schemas modeline takes one FILE")
				}
				opts.File = c.Args().First()
				return Modeline(c.Context, opts)
			},
		}},
	}
}

func (o Options) dir(cfg *config.Config) string {
	if o.Out == "" {
		return filepath.Join(cfg.Root, filepath.FromSlash(editorschema.DefaultDir))
	}
	if filepath.IsAbs(o.Out) {
		return o.Out
	}
	return filepath.Join(o.IO.Dir, o.Out)
}

// Export writes (or checks) the schemas, and with VSCode the editor wiring.
func Export(ctx context.Context, opts Options) error {
	cfg, err := config.Load(opts.IO.Dir, opts.ConfigPath)
	if err != nil {
		return cmdutil.Usage(err)
	}
	dir := opts.dir(cfg)
	schemasRel, err := cfg.Rel(dir)
	if err != nil {
		return cmdutil.Usagef("--out %s: the schemas directory must lie inside the repository", opts.Out)
	}
	changes, differs, cache, err := editorschema.ExportConfig(cfg, dir, opts.Check)
	if err != nil {
		return exportError(err)
	}
	for _, c := range changes {
		if c.What == "unchanged" || c.What == "current" {
			continue
		}
		fmt.Fprintf(opts.IO.Out, "%-9s %s\n", c.What, opts.IO.Rel(filepath.Join(dir, filepath.FromSlash(c.Rel))))
	}
	if opts.Check {
		if differs {
			fmt.Fprintln(opts.IO.Out, "the exported schemas differ from the blueprint cache: run port-gitops schemas export and commit them")
			return cmdutil.ErrFindings
		}
		fmt.Fprintf(opts.IO.Out, "the exported schemas are current (%d blueprints)\n", len(cache.IDs()))
		return nil
	}
	fmt.Fprintf(opts.IO.Out, "exported %d blueprint schemas and the catalog schema to %s\n", len(cache.IDs()), opts.IO.Rel(dir))
	assoc := editorschema.Associations(cfg.Rules, schemasRel, func(id string) bool { return slices.Contains(cache.IDs(), id) })
	if !opts.VSCode {
		fmt.Fprintln(opts.IO.Out, "wire them into VS Code with: port-gitops schemas export --vscode")
		return nil
	}
	return wireVSCode(opts, cfg, assoc, schemasRel)
}

// wireVSCode merges the associations into .vscode/settings.json, or prints
// them when the file cannot be merged safely.
func wireVSCode(opts Options, cfg *config.Config, assoc []editorschema.Association, schemasRel string) error {
	path := filepath.Join(cfg.Root, ".vscode", "settings.json")
	root, err := safefile.NewRoot(cfg.Root)
	if err != nil {
		return err
	}
	old, err := root.ReadFile(path, 1<<20)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return printSnippet(opts, path, err, assoc)
	}
	merged, err := editorschema.MergeVSCode(old, assoc, schemasRel)
	if err != nil {
		return printSnippet(opts, path, err, assoc)
	}
	if string(merged) == string(old) {
		fmt.Fprintf(opts.IO.Out, "unchanged %s\n", opts.IO.Rel(path))
		return nil
	}
	// .vscode must not lead outside the repository (checked before it is
	// created, and again after, in case it appeared meanwhile).
	if _, err := root.Resolve(filepath.Dir(path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return printSnippet(opts, path, err, assoc)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if _, err := root.Resolve(filepath.Dir(path)); err != nil {
		return printSnippet(opts, path, err, assoc)
	}
	if err := atomicfile.WriteFile(path, merged, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(opts.IO.Out, "wrote     %s\n", opts.IO.Rel(path))
	return nil
}

func printSnippet(opts Options, path string, why error, assoc []editorschema.Association) error {
	fmt.Fprintf(opts.IO.Err, "port-gitops: left %s alone (%v); add these settings to it:\n", opts.IO.Rel(path), why)
	_, err := opts.IO.Out.Write(editorschema.VSCodeSnippet(assoc))
	return err
}

func exportError(err error) error {
	var le *blueprint.LoadError
	switch {
	case errors.As(err, &le), errors.Is(err, editorschema.ErrEmptyCache), errors.Is(err, safefile.ErrNotRegular):
		return cmdutil.Usage(err)
	}
	return err
}

// Modeline prints the yaml-language-server line for opts.File.
func Modeline(ctx context.Context, opts Options) error {
	cfg, err := config.Load(opts.IO.Dir, opts.ConfigPath)
	if err != nil {
		return cmdutil.Usage(err)
	}
	file := opts.File
	if !filepath.IsAbs(file) {
		file = filepath.Join(opts.IO.Dir, file)
	}
	rel, err := cfg.Rel(file)
	if err != nil {
		return cmdutil.Usage(err)
	}
	if ext := strings.ToLower(filepath.Ext(rel)); ext != ".yml" && ext != ".yaml" {
		return cmdutil.Usagef("%s is not a YAML file: the modeline is for the YAML language server (JSON files get their schema from editor settings: schemas export --vscode)", opts.File)
	}
	rule := cfg.Match(rel)
	if rule == nil {
		return cmdutil.Usagef("%s is not an entity file: no rule of the configuration matches it", opts.File)
	}
	schemasRel, err := cfg.Rel(opts.dir(cfg))
	if err != nil {
		return cmdutil.Usagef("--out %s: the schemas directory must lie inside the repository", opts.Out)
	}
	schema := schemasRel + "/" + editorschema.CatalogFile
	if rule.Blueprint != "" {
		schema = schemasRel + "/" + editorschema.BlueprintFile(rule.Blueprint)
	}
	fmt.Fprintln(opts.IO.Out, editorschema.ModelineFor(rel, schema))
	if _, err := os.Stat(filepath.Join(cfg.Root, filepath.FromSlash(schema))); err != nil {
		fmt.Fprintf(opts.IO.Err, "port-gitops: %s does not exist yet: run port-gitops schemas export\n", schema)
	}
	return nil
}
