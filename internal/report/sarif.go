package report

import (
	"encoding/json"
	"io"
	"sort"
)

type sarifRenderer struct{ opts Options }

// SARIF 2.1.0, the subset code-scanning uploads read.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri,omitempty"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
	HelpURI          string       `json:"helpUri,omitempty"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
}

// Render writes one SARIF 2.1.0 log with a result per finding; file URIs are
// relative to the repository root.
func (s sarifRenderer) Render(w io.Writer, findings []Finding, _ Summary) error {
	rules := map[string]bool{}
	results := make([]sarifResult, 0, len(findings))
	for _, f := range findings {
		rules[f.Rule] = true
		level := "error"
		if f.Severity == Warning {
			level = "warning"
		}
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: f.File}}}
		if f.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line, StartColumn: f.Column}
		}
		results = append(results, sarifResult{RuleID: f.Rule, Level: level, Message: sarifMessage{f.Message}, Locations: []sarifLocation{loc}})
	}
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	driver := sarifDriver{Name: "port-gitops", InformationURI: DocsURL, Version: s.opts.Version, Rules: make([]sarifRule, 0, len(ids))}
	for _, id := range ids {
		driver.Rules = append(driver.Rules, sarifRule{ID: id, ShortDescription: sarifMessage{RuleDescription(id)}, HelpURI: RuleURL(id)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	})
}

// KnownRule reports whether rule is one of the rules findings name, each
// described in a sentence for SARIF consumers. Every package that makes
// findings checks its rules against it in its tests.
func KnownRule(rule string) bool {
	_, ok := ruleDescriptions[rule]
	return ok
}

// Rules lists the names of every rule findings name, sorted.
func Rules() []string {
	names := make([]string, 0, len(ruleDescriptions))
	for k := range ruleDescriptions {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// DocsURL is where port-gitops is documented: the README, whose rules table
// has an anchor per rule.
const DocsURL = "https://github.com/port-gitops/port-gitops/blob/main/README.md"

// RuleURL links to rule's row in the README's rules table, or "" for a rule
// that is not described.
func RuleURL(rule string) string {
	if !KnownRule(rule) {
		return ""
	}
	return DocsURL + "#rule-" + rule
}

// RuleDescription describes rule in a sentence.
func RuleDescription(rule string) string {
	if d, ok := ruleDescriptions[rule]; ok {
		return d
	}
	return "See the finding's message."
}

// ruleDescriptions describe each rule in a sentence, for SARIF consumers.
var ruleDescriptions = map[string]string{
	"file":                    "The entity file cannot be read.",
	"not-regular-file":        "The entity file is a FIFO, a device, a socket or a symbolic link leading outside the repository, which port-gitops never reads.",
	"file-too-large":          "The entity file is larger than port-gitops reads (32 MiB).",
	"json-syntax":             "The file is not valid JSON.",
	"duplicate-key":           "A key appears twice in one object; Port keeps only the last.",
	"entity-shape":            "The file or an entity in it does not have the shape of a Port entity.",
	"unknown-field":           "An entity has a top-level key Port entities do not have.",
	"identifier-missing":      "An entity has no identifier.",
	"not-entity-file":         "A file an entities rule matches holds no entity at all (another tool's file?): exclude it in the rule.",
	"identifier":              "An identifier breaks Port's identifier rules.",
	"unknown-blueprint":       "The entity's blueprint is not in the blueprint cache.",
	"unknown-property":        "The blueprint has no such property.",
	"computed-property":       "Mirror, calculation and aggregation properties are computed by Port.",
	"required-property":       "A required property is missing.",
	"type":                    "A property value has the wrong type.",
	"enum":                    "A property value is not one of the allowed values.",
	"const":                   "A property value is not the required value.",
	"format":                  "A property value does not have the property's format.",
	"pattern":                 "A property value does not match the property's pattern.",
	"pattern-unchecked":       "A pattern Go's regexp cannot compile is left to Port.",
	"min-length":              "A string is shorter than allowed.",
	"max-length":              "A string is longer than allowed.",
	"minimum":                 "A number is below the allowed minimum.",
	"maximum":                 "A number is above the allowed maximum.",
	"min-items":               "An array has too few items.",
	"max-items":               "An array has too many items.",
	"unique-items":            "An array has equal items.",
	"additional-properties":   "An object has keys its schema does not allow.",
	"schema":                  "A property value breaks the blueprint's schema.",
	"unknown-relation":        "The blueprint has no such relation.",
	"relation-value":          "A relation value has the wrong shape for the relation.",
	"required-relation":       "A required relation is missing or empty.",
	"entity-too-large":        "The entity's request body is over Port's 1 MiB limit; sync does not send it.",
	"team":                    "team must be a string, an array of strings or a search query.",
	"team-inherited":          "The blueprint inherits team ownership, so Port rejects an explicit team.",
	"duplicate-entity":        "The same blueprint and identifier are defined twice.",
	"server-field":            "A field Port sets itself (createdAt, createdBy, updatedAt, updatedBy); Port ignores it on write.",
	"yaml-syntax":             "The file is not valid YAML, or holds a value JSON cannot represent.",
	"yaml-multiple-documents": "A YAML file holds a second document; Port reads only the first.",
	"yaml-tab-indent":         "A tab indents a YAML line; YAML indents with spaces.",
	"yaml-ambiguous-scalar":   "An unquoted YAML value that YAML 1.1 (Port's Python-based integrations) reads as another type or value.",
	"required-by-config":      "The configuration requires a property, relation or team that the entity does not set.",
	"rule-matches-nothing":    "An entities rule of the configuration matches no file.",
	"no-entity-files":         "The configuration's rules match no entity file at all.",
	"file-reference":          "A file:// property value names a file that is missing, outside the repository, not a regular file, too large, or whose content does not parse.",
	"broken-blueprint":        "A cached blueprint that Port would reject or that does not compile.",
	"entity-not-checked":      "An entity whose blueprint is broken, so it could not be checked.",
}
