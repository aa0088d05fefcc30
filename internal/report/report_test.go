package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sample() ([]Finding, Summary) {
	f := []Finding{
		{File: "services/b/entity.json", Line: 7, Column: 12, Pointer: "/properties/url", Blueprint: "microservice", Identifier: "b", Rule: "format", Severity: Error, Message: `url: "x" is not a valid url`},
		{File: "catalog/libs.json", Line: 3, Column: 5, Pointer: "/0/identifier", Blueprint: "library", Identifier: "a b", Rule: "identifier", Severity: Error, Message: `identifier "a b" contains ' '`},
		{File: "services/b/entity.json", Line: 2, Column: 3, Pointer: "/properties/x", Blueprint: "microservice", Identifier: "b", Rule: "pattern-unchecked", Severity: Warning, Message: "pattern not checked locally, 100% sure: a,b"},
		{File: "catalog/libs.json", Line: 3, Column: 5, Pointer: "/0", Rule: "duplicate-key", Severity: Error, Message: "duplicate key \"v\"\nsecond line"},
	}
	Sort(f)
	e, w := Count(f)
	return f, Summary{Files: 4, Entities: 5, Errors: e, Warnings: w, Duration: 1234 * time.Microsecond}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func render(t *testing.T, format string, opts Options, f []Finding, s Summary) []byte {
	t.Helper()
	r, err := New(format, opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Render(&buf, f, s); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	f, s := sample()
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			golden(t, format+".golden", render(t, format, Options{Version: "test"}, f, s))
		})
	}
}

func TestSortIsByFileLineColumn(t *testing.T) {
	f, _ := sample()
	want := []string{"catalog/libs.json:3:5", "catalog/libs.json:3:5", "services/b/entity.json:2:3", "services/b/entity.json:7:12"}
	for i, x := range f {
		got := fmt.Sprintf("%s:%d:%d", x.File, x.Line, x.Column)
		if got != want[i] {
			t.Fatalf("finding %d at %s, want %s", i, got, want[i])
		}
	}
}

func TestColorOnlyAddsEscapes(t *testing.T) {
	f, s := sample()
	plain := render(t, "text", Options{}, f, s)
	colored := render(t, "text", Options{Color: true}, f, s)
	if bytes.Equal(plain, colored) {
		t.Fatal("colour forced on produced no escape codes")
	}
	if got := stripANSI(colored); !bytes.Equal(got, plain) {
		t.Fatalf("coloured text without escapes differs from plain text:\n%s\n---\n%s", got, plain)
	}
}

func stripANSI(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == 0x1b && i+1 < len(b) && b[i+1] == '[' {
			j := i + 2
			for j < len(b) && (b[j] < 0x40 || b[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		out = append(out, b[i])
	}
	return out
}

func TestJSONShape(t *testing.T) {
	f, s := sample()
	var doc map[string]any
	if err := json.Unmarshal(render(t, "json", Options{}, f, s), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"valid", "files", "entities", "errors", "warnings", "findings"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	if doc["valid"] != false || doc["errors"] != float64(3) || doc["warnings"] != float64(1) {
		t.Errorf("counts wrong: %v", doc)
	}
	first := doc["findings"].([]any)[0].(map[string]any)
	for _, k := range []string{"file", "line", "column", "pointer", "blueprint", "identifier", "rule", "severity", "message"} {
		if _, ok := first[k]; !ok {
			t.Errorf("finding lacks %q", k)
		}
	}
	// No findings is an empty array, never null.
	if got := string(render(t, "json", Options{}, nil, Summary{})); !strings.Contains(got, `"findings": []`) || !strings.Contains(got, `"valid": true`) {
		t.Errorf("empty report: %s", got)
	}
}

func TestUnknownFormatListsValidOnes(t *testing.T) {
	_, err := New("yaml", Options{})
	if err == nil || !strings.Contains(err.Error(), "github, json, sarif, text") {
		t.Fatalf("got %v", err)
	}
}

func TestGithubEscapes(t *testing.T) {
	f, s := sample()
	out := string(render(t, "github", Options{}, f, s))
	if !strings.Contains(out, "::warning file=services/b/entity.json,line=2,col=3,title=port-gitops pattern-unchecked::pattern not checked locally, 100%25 sure: a,b") {
		t.Errorf("warning line not escaped as expected:\n%s", out)
	}
	if !strings.Contains(out, `duplicate key "v"%0Asecond line`) {
		t.Errorf("newline in message not escaped:\n%s", out)
	}
}

// Every rule the validator can emit has a SARIF description.
func TestSARIFRulesDescribed(t *testing.T) {
	for id, d := range ruleDescriptions {
		if d == "" {
			t.Errorf("rule %s has an empty description", id)
		}
	}
	var doc struct {
		Runs []struct {
			Results []struct {
				RuleID    string
				Locations []struct {
					PhysicalLocation struct {
						Region struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	f, s := sample()
	if err := json.Unmarshal(render(t, "sarif", Options{}, f, s), &doc); err != nil {
		t.Fatal(err)
	}
	r := doc.Runs[0].Results[3]
	if r.RuleID != "format" || r.Locations[0].PhysicalLocation.Region.StartLine != 7 || r.Locations[0].PhysicalLocation.Region.StartColumn != 12 {
		t.Fatalf("sarif result: %+v", r)
	}
}

// Every rule has a row with an anchor in the README, which json and SARIF
// link to.
func TestEveryRuleHasAnAnchorInTheREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for id := range ruleDescriptions {
		if !strings.Contains(string(readme), `<a id="rule-`+id+`"></a>`) {
			t.Errorf("README has no anchor for rule %s", id)
		}
		if RuleURL(id) != DocsURL+"#rule-"+id {
			t.Errorf("RuleURL(%s) = %s", id, RuleURL(id))
		}
	}
	if RuleURL("no-such-rule") != "" {
		t.Error("an unknown rule got a link")
	}
}
