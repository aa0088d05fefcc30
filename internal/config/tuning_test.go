package config

import (
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/report"
)

func parseTuningConfig(t *testing.T, yaml string) (*Config, error) {
	t.Helper()
	return parse([]byte(yaml), ".port/gitops.yaml", t.TempDir())
}

func TestSeveritiesByRuleAndPath(t *testing.T) {
	cfg, err := parseTuningConfig(t, `
rules:
  unknown-property: warning
  pattern-unchecked: error
  enum: warning
overrides:
  - files: "legacy/**"
    rules: {enum: off}
  - files: ["legacy/keep/entity.json", "other/entity.json"]
    rules:
      enum: error
`)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file, rule string
		def        report.Severity
		want       report.Severity
		keep       bool
	}{
		{"a/entity.json", "unknown-property", report.Error, report.Warning, true},
		{"a/entity.json", "pattern-unchecked", report.Warning, report.Error, true},
		{"a/entity.json", "type", report.Error, report.Error, true},
		{"a/entity.json", "enum", report.Error, report.Warning, true},
		{"legacy/x/entity.json", "enum", report.Error, report.Error, false},
		{"legacy/x/entity.json", "unknown-property", report.Error, report.Warning, true},
		// the later override wins for the one file it names
		{"legacy/keep/entity.json", "enum", report.Error, report.Error, true},
		{"other/entity.json", "enum", report.Warning, report.Error, true},
	}
	for _, c := range cases {
		got, keep := cfg.Tuning.Severity(c.file, c.rule, c.def)
		if keep != c.keep || (keep && got != c.want) {
			t.Errorf("Severity(%s, %s) = %s, %v; want %s, %v", c.file, c.rule, got, keep, c.want, c.keep)
		}
	}
	// Apply drops what is off and changes the rest.
	fs := cfg.Tuning.Apply([]report.Finding{
		{File: "legacy/x/entity.json", Rule: "enum", Severity: report.Error},
		{File: "a/entity.json", Rule: "enum", Severity: report.Error},
	})
	if len(fs) != 1 || fs[0].File != "a/entity.json" || fs[0].Severity != report.Warning {
		t.Fatalf("Apply = %+v", fs)
	}
}

func TestNoTuningChangesNothing(t *testing.T) {
	var tn *Tuning
	if sev, keep := tn.Severity("a.json", "enum", report.Error); sev != report.Error || !keep {
		t.Fatal("a nil Tuning changed a severity")
	}
	if tn.Ignored("a.json") || tn.Requirements("a.json", "svc") != nil {
		t.Fatal("a nil Tuning ignores or requires")
	}
}

func TestRequireAndIgnore(t *testing.T) {
	cfg, err := parseTuningConfig(t, `
entities:
  - files: "**/entity.json"
require:
  - blueprint: service
    properties: [owner, description]
    team: true
  - files: "services/**"
    relations: [system]
ignore:
  - "vendor/**"
  - generated/entity.json
`)
	if err != nil {
		t.Fatal(err)
	}
	reqs := cfg.Tuning.Requirements("services/a/entity.json", "service")
	if len(reqs) != 2 || len(reqs[0].Items) != 3 || reqs[0].Items[0] != (Required{Kind: "property", Name: "owner", Line: 6, Column: 18}) ||
		reqs[0].Items[2].Kind != "team" || reqs[1].Items[0] != (Required{Kind: "relation", Name: "system", Line: 9, Column: 17}) {
		t.Fatalf("requirements: %+v %+v", reqs[0], reqs[1])
	}
	if got := cfg.Tuning.Requirements("other/entity.json", "system"); len(got) != 0 {
		t.Fatalf("requirements for another blueprint outside services: %+v", got)
	}
	for rel, want := range map[string]bool{"vendor/x/entity.json": true, "generated/entity.json": true, "gen/entity.json": false} {
		if got := cfg.Match(rel) == nil; got != want {
			t.Errorf("%s ignored = %v, want %v", rel, got, want)
		}
	}
	if cfg.CanMatchUnder("vendor") || cfg.CanMatchUnder("vendor/deep") || !cfg.CanMatchUnder("generated") {
		t.Error("the walk should skip vendor/ and only it")
	}
}

func TestTuningMistakesAtLineAndColumn(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"rules:\n  unknown-proprety: warning\n", `:2:3: unknown rule "unknown-proprety" in rules (did you mean "unknown-property"?)`},
		{"rules:\n  enum: warn\n", `:2:9: severity of enum must be error, warning or off (did you mean "warning"?)`},
		{"rules:\n  enum: [off]\n", `:2:9: severity of enum must be error, warning or off`},
		{"rules:\n  json-syntax: off\n", `:2:16: rule json-syntax cannot be turned down`},
		{"rules:\n  enum: off\n  enum: error\n", `:3:3: rule "enum" is given twice in rules (first at line 2)`},
		{"rules: [enum]\n", `:1:8: rules must map rule names to a severity`},
		{"overrides:\n  - file: a/**\n    rules: {enum: off}\n", `:2:5: unknown key "file" in overrides entry (did you mean "files"?)`},
		{"overrides:\n  - files: a/**\n", `:2:5: overrides entry has no rules`},
		{"overrides:\n  - files: \"{a,b}/**\"\n    rules: {enum: off}\n", `:2:12: bad glob "{a,b}/**": braces {a,b} are not supported`},
		{"overrides:\n  - files: a/**\n    rules: {enmu: off}\n", `:3:13: unknown rule "enmu" in overrides rules (did you mean "enum"?)`},
		{"require:\n  - blueprint: svc\n", `:2:5: require entry asks for nothing`},
		{"require:\n  - properties: owner\n", `:2:17: properties must be a list of property identifiers`},
		{"require:\n  - team: yes please\n", `:2:11: team must be true or false`},
		{"require:\n  - propertes: [a]\n", `:2:5: unknown key "propertes" in require entry (did you mean "properties"?)`},
		{"ignore: []\n", `:1:9: ignore is empty`},
		{"ignore:\n  - ./vendor/**\n", `:2:5: bad glob "./vendor/**": patterns are relative to the repository root already`},
		{"ignor: [a]\n", `:1:1: unknown key "ignor" (did you mean "ignore"?)`},
	}
	for _, c := range cases {
		_, err := parseTuningConfig(t, c.yaml)
		if err == nil || !strings.Contains(err.Error(), ".port/gitops.yaml"+c.want) {
			t.Errorf("%q: err = %v\nwant it to contain %s", c.yaml, err, c.want)
		}
	}
}

// Glob syntax the matcher lacks is refused where it is written, not left
// to match nothing.
func TestUnsupportedGlobSyntax(t *testing.T) {
	cases := map[string]string{
		"services/{a,b}/entity.json": "braces {a,b} are not supported",
		"./services/**":              "remove the leading ./",
		"services/":                  "write dir/** for every file below it",
		"!legacy/**":                 "negation with a leading ! is not supported",
		"services/../x.json":         "a .. segment never matches",
		"services/./x.json":          "a . segment never matches",
		`services\x.json`:            "escapes are not supported",
	}
	for pattern, want := range cases {
		if _, err := CompileGlob(pattern); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CompileGlob(%q) = %v, want %q", pattern, err, want)
		}
	}
	// In an entities rule: at the glob's line and column, exit 2 by the caller.
	_, err := parseTuningConfig(t, "entities:\n  - files: \"catalog/*.{json,yaml}\"\n")
	if err == nil || !strings.Contains(err.Error(), `.port/gitops.yaml:2:12: bad glob "catalog/*.{json,yaml}": braces`) {
		t.Fatalf("err = %v", err)
	}
	// Character classes are supported.
	if !MustCompileGlob("svc-[a-c]/entity.json").Match("svc-b/entity.json") {
		t.Fatal("a character class did not match")
	}
}
