// Package config loads port-gitops's configuration, .port/gitops.yaml: where
// the blueprint cache lives and which files are entity files.
//
// It finds the file, checks every key and glob, and reports mistakes with the
// file's line and column. It never reads the environment or prints.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// DefaultPath is where the configuration lives, relative to the repository root.
const DefaultPath = ".port/gitops.yaml"

// DefaultBlueprintDir is the blueprint cache used when the configuration names none.
const DefaultBlueprintDir = ".port/blueprints"

// DefaultEntityGlob is the first of the rules in force when there is no
// configuration file.
const DefaultEntityGlob = "**/entity.json"

// DefaultYAMLGlob is the second rule in force when there is no
// configuration file: Port's own GitOps file name.
const DefaultYAMLGlob = "**/port.yml"

// Config is a loaded configuration. All paths are absolute.
type Config struct {
	// Path is the configuration file read, or "" when defaults are in force.
	Path string
	// Root is the repository root: the directory that holds .port/, the git
	// work tree's top, or the working directory, in that order of preference.
	Root string
	// BlueprintDir is the blueprint cache directory.
	BlueprintDir string
	// Rules say which files are entity files and their default blueprint.
	Rules []Rule
	// Prune lets sync delete entities whose files are gone (sync --prune).
	Prune bool
	// Tuning holds the keys rules, overrides, require and ignore; nil when
	// the configuration has none of them.
	Tuning *Tuning
	// Owns lists the blueprints this repository owns entirely (key owns):
	// an entity of theirs that no file defines is drift, and sync --full
	// --prune deletes it.
	Owns []string

	cacheRel, configRel string // see Reserved
}

// Rule is one entry of the entities list.
type Rule struct {
	// Files is a slash-separated glob relative to Root; ** crosses directories.
	Files string
	// Blueprint is the blueprint of entities that carry no "blueprint" key, or "".
	Blueprint string
	// BlueprintLine and BlueprintColumn are where Blueprint's value is in
	// the configuration file (1-based), or 0 when it has none.
	BlueprintLine, BlueprintColumn int
	// Format is how the rule's files are read: entity.FormatJSON or
	// entity.FormatYAML when the rule says (format: json|yaml), else
	// entity.FormatAuto, which reads a file by its name (see FileFormat).
	Format entity.Format
	// Exclude are globs of files the rule does not match although Files
	// does (another tool's port.yml, say).
	Exclude []string
	// Line and Column are where the rule's files glob is in the
	// configuration file, or 0 for the default rule.
	Line, Column int
	glob         *Glob
	exclude      []*Glob
}

// FileFormat returns how the rule reads the file rel: its Format, or by
// rel's name when the rule names none (.yml and .yaml are YAML).
func (r *Rule) FileFormat(rel string) entity.Format {
	return entity.FormatOf(r.Format, rel)
}

// Matches reports whether rel (relative to the repository root) is one of
// the rule's files: its glob matches and no exclude does, whether or not an
// earlier rule takes it first.
func (r *Rule) Matches(rel string) bool {
	if r.glob == nil || !r.glob.Match(rel) {
		return false
	}
	for _, x := range r.exclude {
		if x.Match(rel) {
			return false
		}
	}
	return true
}

// Error is a configuration mistake at a place in the configuration file.
type Error struct {
	Path   string // file, as given or found
	Line   int    // 1-based; 0 when the mistake has no line
	Column int
	Msg    string
	// Unreadable says the file could not be read (permission, I/O): not a
	// mistake in it, so "could not run" rather than a usage error.
	Unreadable bool
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Match returns the rule that makes rel (slash-separated, relative to Root) an
// entity file, or nil. The first matching rule wins; a rule does not match
// what its exclude globs match, so a later rule may. A Reserved path matches
// no rule. Match looks at the path only: that only regular files are entity
// files is for the caller, which knows what rel is (the walk, git's modes).
func (c *Config) Match(rel string) *Rule {
	if c.Reserved(rel) || c.Tuning.Ignored(rel) {
		return nil
	}
	for i := range c.Rules {
		if c.Rules[i].Matches(rel) {
			return &c.Rules[i]
		}
	}
	return nil
}

// Rel returns path relative to Root with forward slashes, or an error when
// path lies outside Root.
func (c *Config) Rel(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(c.Root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the repository root %s", path, c.Root)
	}
	return filepath.ToSlash(rel), nil
}

// Load finds and reads the configuration. With explicit set, that file is read
// (a missing file is an error). Otherwise .port/gitops.yaml is looked up from
// dir up to the repository root; when none exists the defaults are in force.
func Load(dir, explicit string) (*Config, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	gitRoot := findGitRoot(dir)
	path := explicit
	if path != "" {
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
	} else {
		path = findConfig(dir, gitRoot)
	}
	if path == "" {
		root := gitRoot
		if root == "" {
			root = dir
		}
		return defaults(root), nil
	}
	root := rootFor(path, gitRoot)
	data, err := readConfig(root, path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{Path: explicit, Msg: "configuration file not found"}
		}
		unreadable := !errors.Is(err, safefile.ErrNotRegular) && !errors.Is(err, safefile.ErrTooLarge)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{Path: path, Msg: fmt.Sprintf("cannot read configuration: %v", err), Unreadable: unreadable}
	}
	display := path
	if explicit != "" {
		display = explicit
	} else if r, err := filepath.Rel(dir, path); err == nil {
		display = r
	}
	cfg, err := parse(data, display, root)
	if err != nil {
		return nil, err
	}
	cfg.Path = path
	cfg.reserve()
	if cfg.Tuning != nil {
		cfg.Tuning.Source = cfg.configRel
		if cfg.Tuning.Source == "" {
			cfg.Tuning.Source = display
		}
	}
	return cfg, nil
}

// readConfig reads the configuration file: a regular file of at most
// safefile.MaxConfigFile bytes, never a FIFO or a device. Inside the
// repository root a link is followed only when it stays inside it; a file
// given with --config outside the repository is read as named.
func readConfig(root, path string) ([]byte, error) {
	if rel, err := filepath.Rel(root, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		r, err := safefile.NewRoot(root)
		if err != nil {
			return nil, err
		}
		return r.ReadFile(path, safefile.MaxConfigFile)
	}
	return safefile.ReadRegular(path, safefile.MaxConfigFile)
}

func defaults(root string) *Config {
	c := &Config{
		Root:         root,
		BlueprintDir: filepath.Join(root, filepath.FromSlash(DefaultBlueprintDir)),
		Rules:        defaultRules(),
	}
	c.reserve()
	return c
}

// reserve notes the paths that are never entity files: the blueprint cache
// and the configuration file (the .port directory is always reserved).
func (c *Config) reserve() {
	if r, err := c.Rel(c.BlueprintDir); err == nil && r != "." {
		c.cacheRel = r
	}
	if c.Path != "" {
		if r, err := c.Rel(c.Path); err == nil {
			c.configRel = r
		}
	}
}

// Reserved reports whether rel (slash-separated, relative to Root) lies in
// the configuration directory .port or in the blueprint cache, or is the
// configuration file: paths that are never entity files, whatever the rules
// say (files: "**" included).
func (c *Config) Reserved(rel string) bool {
	if under(rel, ".port") || (c.cacheRel != "" && under(rel, c.cacheRel)) {
		return true
	}
	return c.configRel != "" && rel == c.configRel
}

// under reports whether rel is dir or lies below it.
func under(rel, dir string) bool {
	return rel == dir || (len(rel) > len(dir) && rel[len(dir)] == '/' && rel[:len(dir)] == dir)
}

// rootFor returns the repository root for a configuration file: the directory
// that holds its .port/ folder, else the git work tree, else its own folder.
func rootFor(path, gitRoot string) string {
	parent := filepath.Dir(path)
	if filepath.Base(parent) == ".port" {
		return filepath.Dir(parent)
	}
	if gitRoot != "" {
		return gitRoot
	}
	return parent
}

// findConfig looks for .port/gitops.yaml from dir upwards, stopping at the
// git work tree's top (or the file system's root outside git).
func findConfig(dir, stop string) string {
	for {
		p := filepath.Join(dir, filepath.FromSlash(DefaultPath))
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
		if dir == stop {
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// GitRoot returns the nearest directory at or above dir that has a .git
// entry (a directory, or a file in worktrees and submodules), or "".
func GitRoot(dir string) string { return findGitRoot(dir) }

func findGitRoot(dir string) string {
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

var topKeys = []string{"blueprints", "entities", "owns", "prune", "rules", "overrides", "require", "ignore"}
var ruleKeys = []string{"files", "blueprint", "format", "exclude"}

func parse(data []byte, display, root string) (*Config, error) {
	errAt := func(n *yaml.Node, format string, args ...any) error {
		e := &Error{Path: display, Msg: fmt.Sprintf(format, args...)}
		if n != nil {
			e.Line, e.Column = n.Line, n.Column
		}
		return e
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if err.Error() == "EOF" {
			return defaultsFromEmpty(root), nil
		}
		return nil, yamlError(display, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].Tag == "!!null" {
		return defaultsFromEmpty(root), nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, errAt(top, "the configuration must be a mapping with the keys %s", strings.Join(topKeys, ", "))
	}
	cfg := &Config{Root: root, BlueprintDir: filepath.Join(root, filepath.FromSlash(DefaultBlueprintDir))}
	var blueprintsNode *yaml.Node
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if first, dup := seen[k.Value]; dup {
			return nil, errAt(k, "duplicate key %q (first at line %d)", k.Value, first.Line)
		}
		seen[k.Value] = k
		switch k.Value {
		case "blueprints":
			s, err := scalarString(v)
			if err != nil || s == "" {
				return nil, errAt(v, "blueprints must be a directory path relative to the repository root")
			}
			cfg.BlueprintDir = filepath.Join(root, filepath.FromSlash(s))
			blueprintsNode = v
		case "prune":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				return nil, errAt(v, "prune must be true or false")
			}
			cfg.Prune = v.Value == "true"
		case "entities":
			if v.Kind != yaml.SequenceNode {
				return nil, errAt(v, "entities must be a list of rules, each with files and an optional blueprint")
			}
			for _, item := range v.Content {
				r, err := parseRule(item, errAt)
				if err != nil {
					return nil, err
				}
				cfg.Rules = append(cfg.Rules, r)
			}
		case "rules", "overrides", "require", "ignore":
			if err := parseTuning(cfg, k.Value, v, errAt); err != nil {
				return nil, err
			}
		case "owns":
			owns, err := parseOwns(v, errAt)
			if err != nil {
				return nil, err
			}
			cfg.Owns = owns
		default:
			return nil, errAt(k, "unknown key %q%s (valid keys: %s)", k.Value, didYouMean(k.Value, topKeys), strings.Join(topKeys, ", "))
		}
	}
	if _, ok := seen["entities"]; !ok {
		cfg.Rules = defaultRules()
	} else if len(cfg.Rules) == 0 {
		return nil, errAt(seen["entities"], "entities is empty: list at least one rule, e.g. - files: \"**/entity.json\"")
	}
	if blueprintsNode != nil {
		fi, err := os.Stat(cfg.BlueprintDir)
		switch {
		case err != nil:
			return nil, errAt(blueprintsNode, "blueprint directory %s does not exist (create it, or run port-gitops blueprints pull)", rootRel(root, cfg.BlueprintDir))
		case !fi.IsDir():
			return nil, errAt(blueprintsNode, "blueprint directory %s is not a directory", rootRel(root, cfg.BlueprintDir))
		}
	}
	return cfg, nil
}

// defaultRules are the rules without a configuration: entity.json files
// and Port's port.yml files.
func defaultRules() []Rule {
	return []Rule{
		{Files: DefaultEntityGlob, glob: MustCompileGlob(DefaultEntityGlob)},
		{Files: DefaultYAMLGlob, glob: MustCompileGlob(DefaultYAMLGlob)},
	}
}

func defaultsFromEmpty(root string) *Config { return defaults(root) }

func parseRule(item *yaml.Node, errAt func(*yaml.Node, string, ...any) error) (Rule, error) {
	if item.Kind != yaml.MappingNode {
		return Rule{}, errAt(item, "each entities rule must be a mapping with files and an optional blueprint")
	}
	var r Rule
	var filesNode *yaml.Node
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		switch k.Value {
		case "files":
			s, err := scalarString(v)
			if err != nil || s == "" {
				return Rule{}, errAt(v, "files must be a glob such as \"**/entity.json\"")
			}
			r.Files, filesNode = s, v
			r.Line, r.Column = v.Line, v.Column
		case "blueprint":
			s, err := scalarString(v)
			if err != nil || s == "" {
				return Rule{}, errAt(v, "blueprint must be a blueprint identifier")
			}
			r.Blueprint, r.BlueprintLine, r.BlueprintColumn = s, v.Line, v.Column
		case "format":
			s, _ := scalarString(v)
			switch s {
			case "json":
				r.Format = entity.FormatJSON
			case "yaml":
				r.Format = entity.FormatYAML
			default:
				return Rule{}, errAt(v, "format must be json or yaml (without it, files ending in .yml or .yaml are read as YAML, others as JSON)")
			}
		case "exclude":
			items := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				items = v.Content
			}
			for _, x := range items {
				s, err := scalarString(x)
				if err != nil || s == "" {
					return Rule{}, errAt(x, "exclude must be a list of globs such as [\"tools/**/port.yml\"]")
				}
				g, err := CompileGlob(s)
				if err != nil {
					return Rule{}, errAt(x, "bad glob %q in exclude: %v", s, err)
				}
				r.Exclude, r.exclude = append(r.Exclude, s), append(r.exclude, g)
			}
		default:
			return Rule{}, errAt(k, "unknown key %q in entities rule%s (valid keys: %s)", k.Value, didYouMean(k.Value, ruleKeys), strings.Join(ruleKeys, ", "))
		}
	}
	if filesNode == nil {
		return Rule{}, errAt(item, "entities rule has no files glob")
	}
	g, err := CompileGlob(r.Files)
	if err != nil {
		return Rule{}, errAt(filesNode, "bad glob %q: %v", r.Files, err)
	}
	r.glob = g
	return r, nil
}

func scalarString(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", errors.New("not a string")
	}
	return n.Value, nil
}

func rootRel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return filepath.ToSlash(r)
	}
	return p
}

// yamlError turns a YAML library error ("yaml: line 3: ...") into an Error
// with the line number pulled out.
func yamlError(display string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{Path: display, Msg: "invalid YAML: " + msg}
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		e.Line, e.Column = line, 1
		if i := strings.Index(msg, ":"); i >= 0 {
			e.Msg = "invalid YAML:" + msg[i+1:]
		}
	}
	return e
}

// didYouMean returns ` (did you mean "x"?)` for the closest candidate, or "".
func didYouMean(word string, candidates []string) string {
	if s := entity.Suggest(word, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}
