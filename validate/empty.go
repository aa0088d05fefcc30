package validate

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/port-gitops/port-gitops/internal/config"
	"github.com/port-gitops/port-gitops/internal/report"
)

// ruleUse records, during a walk of the whole tree, which of the
// configuration's entities rules matched a file: the one that took it, and
// any later one whose glob matches it too (so a rule that an earlier one
// shadows is told apart from one that matches nothing at all). Safe for the
// walk's goroutines.
type ruleUse struct {
	rules []config.Rule
	took  []atomic.Bool // the rule was the first to match some file
	saw   []atomic.Bool // the rule's glob matched some file
	left  atomic.Int64  // rules whose saw is still false
}

func newRuleUse(cfg *config.Config) *ruleUse {
	u := &ruleUse{rules: cfg.Rules, took: make([]atomic.Bool, len(cfg.Rules)), saw: make([]atomic.Bool, len(cfg.Rules))}
	u.left.Store(int64(len(cfg.Rules)))
	return u
}

// note records that rule took the file rel.
func (u *ruleUse) note(rule *config.Rule, rel string) {
	if rule == nil {
		return
	}
	i := 0
	for i < len(u.rules) && &u.rules[i] != rule {
		i++
	}
	if i == len(u.rules) {
		return
	}
	u.took[i].Store(true)
	u.mark(i)
	if u.left.Load() == 0 {
		return
	}
	for j := i + 1; j < len(u.rules); j++ {
		if !u.saw[j].Load() && u.rules[j].Matches(rel) {
			u.mark(j)
		}
	}
}

func (u *ruleUse) mark(i int) {
	if !u.saw[i].Swap(true) {
		u.left.Add(-1)
	}
}

// findings returns a rule-matches-nothing warning for each rule that took no
// file, at the rule's line in the configuration, and a no-entity-files error
// when no file was found at all (unless allowEmpty). Severities are the
// configuration's.
func (u *ruleUse) findings(cfg *config.Config, files int, allowEmpty bool) []report.Finding {
	file := "."
	if cfg.Path != "" {
		if rel, err := cfg.Rel(cfg.Path); err == nil {
			file = rel
		}
	}
	var out []report.Finding
	add := func(f report.Finding) {
		f.File = file
		if sev, keep := cfg.Tuning.Severity(file, f.Rule, f.Severity); keep {
			f.Severity = sev
			out = append(out, f)
		}
	}
	if files == 0 && !allowEmpty {
		globs := make([]string, len(cfg.Rules))
		for i, r := range cfg.Rules {
			globs[i] = fmt.Sprintf("%q", r.Files)
		}
		add(report.Finding{Rule: "no-entity-files", Severity: report.Error,
			Message: fmt.Sprintf("no entity file found: no file under the repository root matches %s; fix the globs, or pass --allow-empty when a repository without entity files is expected", strings.Join(globs, ", "))})
	}
	if cfg.Path == "" {
		return out // the default rule: no line to point at
	}
	for i, r := range cfg.Rules {
		if u.took[i].Load() || r.Line == 0 {
			// Taken, or a default rule (a configuration without
			// entities: port.yml files need not exist).
			continue
		}
		why := "matches no file"
		if u.saw[i].Load() {
			why = "matches only files that an earlier rule takes (the first matching rule wins)"
		}
		add(report.Finding{Line: r.Line, Column: r.Column, Rule: "rule-matches-nothing", Severity: report.Warning,
			Message: fmt.Sprintf("entities rule files: %q %s: check for a typo and for case (globs are case-sensitive)", r.Files, why)})
	}
	return out
}
