package export

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/port-gitops/port-gitops/internal/atomicfile"
	"github.com/port-gitops/port-gitops/internal/cmdutil"
	"github.com/port-gitops/port-gitops/internal/config"
)

// rule is a configuration rule export adds for what it wrote.
type rule struct{ files, blueprint string }

// blueprintKeys decides, file by file, whether its entities need a
// "blueprint" key, and which rules the configuration lacks: a file that no
// rule matches gets a rule of its blueprint (appended after the user's, so
// it takes only what theirs leave), and then needs no key; a file that a
// rule of another (or no) blueprint matches carries the key.
func blueprintKeys(cfg *config.Config, files []file, opts Options) []rule {
	var rules []rule
	added := map[string]bool{}
	for _, f := range files {
		r := cfg.Match(f.rel)
		if r != nil && r.Blueprint == f.blueprint {
			continue
		}
		if r == nil {
			g := f.rel
			if opts.Layout == LayoutEntity {
				g = path.Join(path.Dir(path.Dir(f.rel)), "*", path.Base(f.rel))
			}
			if ok := globMatches(g, f.rel); ok {
				if !added[g] {
					added[g] = true
					rules = append(rules, rule{g, f.blueprint})
				}
				continue
			}
		}
		for i := range f.ents {
			f.ents[i].Blueprint = f.blueprint
		}
	}
	return rules
}

func globMatches(glob, rel string) bool {
	g, err := config.CompileGlob(glob)
	return err == nil && g.Match(rel)
}

// addRules appends the rules to the configuration file as text, after a
// comment, leaving what the user wrote as it is; without a configuration
// file it writes one that keeps the default rule first. The result is
// loaded again: when it does not load, or does not match what was
// written, the file is put back and the rules are printed for the user to
// add.
func addRules(opts Options, cfg *config.Config, rules []rule, files []file) error {
	var text strings.Builder
	text.WriteString("# Added by port-gitops export for the files it wrote:\n")
	item := func(indent string) {
		for _, r := range rules {
			fmt.Fprintf(&text, "%s- files: %s\n%s  blueprint: %s\n", indent, strconv.Quote(r.files), indent, strconv.Quote(r.blueprint))
		}
	}
	cfgPath := cfg.Path
	var old []byte
	exists := cfgPath != ""
	if !exists {
		cfgPath = filepath.Join(cfg.Root, filepath.FromSlash(config.DefaultPath))
		text.Reset()
		text.WriteString("# port-gitops configuration, written by port-gitops export.\nentities:\n")
		defaultRules(&text, "file")
		item("  ")
	} else {
		var err error
		if old, err = os.ReadFile(cfgPath); err != nil {
			return fmt.Errorf("read %s to add a rule: %w", cfgPath, err)
		}
		indent, hasKey, ok := appendable(old)
		if !ok {
			return manualRules(opts, cfgPath, rules, "its entities list is not the last key, or is not a block list")
		}
		if !hasKey { // the default rule was in force
			text.WriteString("entities:\n")
			defaultRules(&text, "key")
			indent = "  "
		}
		item(indent)
	}
	data := append(bytes.Clone(old), '\n')
	if len(old) > 0 && old[len(old)-1] != '\n' {
		data = append(data, '\n')
	}
	if !exists {
		data = nil
	}
	data = append(data, text.String()...)
	if err := os.MkdirAll(filepath.Dir(cfgPath), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", cfgPath, err)
	}
	if err := atomicfile.WriteFile(cfgPath, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", cfgPath, err)
	}
	restore := func(why string) error {
		if exists {
			if err := atomicfile.WriteFile(cfgPath, old, 0o644); err != nil {
				return fmt.Errorf("put %s back: %w", cfgPath, err)
			}
		} else {
			os.Remove(cfgPath)
		}
		return manualRules(opts, cfgPath, rules, why)
	}
	ncfg, err := config.Load(cfg.Root, cfgPath)
	if err != nil {
		return restore(fmt.Sprintf("with the rules added it does not load (%v)", err))
	}
	for _, f := range files {
		if r := ncfg.Match(f.rel); r == nil || (r.Blueprint != f.blueprint && f.ents[0].Blueprint == "") {
			return restore(fmt.Sprintf("with the rules added, %s would not be read as %s", f.rel, f.blueprint))
		}
	}
	fmt.Fprintf(opts.IO.Out, "added %d %s to %s\n", len(rules), plural(len(rules), "rule", "rules"), opts.IO.Rel(cfgPath))
	return nil
}

// appendable reports whether rules can be appended at the end of the
// configuration as items of its entities list: the list is a block list
// and the last top-level key, or there is no entities key (hasKey false:
// one can be appended). indent is the items' indentation.
func appendable(data []byte) (indent string, hasKey, ok bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", false, false
	}
	if len(doc.Content) == 0 {
		return "", false, true
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return "", false, false
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "entities" {
			continue
		}
		v := top.Content[i+1]
		if v.Kind != yaml.SequenceNode || v.Style&yaml.FlowStyle != 0 || len(v.Content) == 0 || i+2 != len(top.Content) || v.Column < 1 {
			return "", true, false
		}
		return strings.Repeat(" ", v.Column-1), true, true // the column of its first "-"
	}
	return "", false, true
}

// manualRules says which rules to add by hand: exit 1.
func manualRules(opts Options, cfgPath string, rules []rule, why string) error {
	fmt.Fprintf(opts.IO.Err, "port-gitops: %s was left as it is (%s); add these rules under entities: so that validate and sync read the files written:\n", opts.IO.Rel(cfgPath), why)
	for _, r := range rules {
		fmt.Fprintf(opts.IO.Err, "  - files: %s\n    blueprint: %s\n", strconv.Quote(r.files), strconv.Quote(r.blueprint))
	}
	return cmdutil.ErrFindings
}

// defaultRules writes the two rules in force without a configuration (or
// without its entities key, what), so that a rule export adds keeps them.
func defaultRules(text *strings.Builder, what string) {
	fmt.Fprintf(text, "  - files: %s # the rules in force without this %s\n", strconv.Quote(config.DefaultEntityGlob), what)
	fmt.Fprintf(text, "  - files: %s\n", strconv.Quote(config.DefaultYAMLGlob))
}
