package validate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// scaleRepo is a generated repository: its configuration, blueprints and
// entity files.
type scaleRepo struct {
	config     string            // .port/gitops.yaml
	blueprints map[string]string // identifier → cached blueprint JSON
	files      map[string]string // slash path → content
	// wantFindings says whether validate must report findings (exit 1).
	wantFindings bool
}

func (r scaleRepo) write(dir string) error {
	bpDir := filepath.Join(dir, ".port", "blueprints")
	if err := os.MkdirAll(bpDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ".port", "gitops.yaml"), []byte(r.config), 0o644); err != nil {
		return err
	}
	for id, bp := range r.blueprints {
		if err := os.WriteFile(filepath.Join(bpDir, id+".json"), []byte(bp), 0o644); err != nil {
			return err
		}
	}
	for rel, body := range r.files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

const scaleServiceBlueprint = `{"identifier": "svc", "schema": {
  "properties": {
    "name": {"type": "string"},
    "owner": {"type": "string"},
    "tags": {"type": "array", "items": {"type": "string"}}
  },
  "required": ["owner"]}}`

// scaleDimensions are the inputs whose size validate's cost must grow with
// linearly. Each builds a repository of size n; BenchmarkScale runs each at
// n and 4n.
var scaleDimensions = []struct {
	name string
	n    int
	repo func(n int) scaleRepo
}{
	{"files", 500, func(n int) scaleRepo {
		files := map[string]string{}
		for i := range n {
			files[fmt.Sprintf("svc/%04d/entity.json", i)] = fmt.Sprintf(`{"identifier": "e-%d", "properties": {"name": "n%d", "owner": "o"}}`, i, i)
		}
		return scaleRepo{config: "entities:\n  - files: \"svc/**/entity.json\"\n    blueprint: svc\n",
			blueprints: map[string]string{"svc": scaleServiceBlueprint}, files: files}
	}},
	// One array file whose entities each miss a required property: a
	// required property added to a large catalog.
	{"entities-per-file", 2500, func(n int) scaleRepo {
		var b strings.Builder
		b.WriteString("[\n")
		for i := range n {
			if i > 0 {
				b.WriteString(",\n")
			}
			fmt.Fprintf(&b, `  {"identifier": "e-%d", "properties": {"name": "n%d"}}`, i, i)
		}
		b.WriteString("\n]\n")
		return scaleRepo{config: "entities:\n  - files: \"catalog/*.json\"\n    blueprint: svc\n",
			blueprints: map[string]string{"svc": scaleServiceBlueprint},
			files:      map[string]string{"catalog/all.json": b.String()}, wantFindings: true}
	}},
	// One entity with n wrong array items: n findings.
	{"findings", 2500, func(n int) scaleRepo {
		var b strings.Builder
		b.WriteString(`{"identifier": "e", "properties": {"owner": "o", "tags": [`)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%d", i)
		}
		b.WriteString("]}}\n")
		return scaleRepo{config: "entities:\n  - files: \"e/entity.json\"\n    blueprint: svc\n",
			blueprints: map[string]string{"svc": scaleServiceBlueprint},
			files:      map[string]string{"e/entity.json": b.String()}, wantFindings: true}
	}},
	// A blueprint of n properties; one entity sets them all, another sets
	// ten unknown ones (each gets a "did you mean").
	{"properties", 5000, func(n int) scaleRepo {
		var bp, all strings.Builder
		bp.WriteString(`{"identifier": "wide", "schema": {"properties": {`)
		all.WriteString(`{"identifier": "all", "properties": {`)
		for i := range n {
			if i > 0 {
				bp.WriteString(", ")
				all.WriteString(", ")
			}
			fmt.Fprintf(&bp, `"prop%06d": {"type": "string", "title": "Property %d"}`, i, i)
			fmt.Fprintf(&all, `"prop%06d": "v%d"`, i, i)
		}
		bp.WriteString("}}}")
		all.WriteString("}}\n")
		var typo strings.Builder
		typo.WriteString(`{"identifier": "typo", "properties": {`)
		for i := range 10 {
			if i > 0 {
				typo.WriteString(", ")
			}
			fmt.Fprintf(&typo, `"prpo%06d": "v"`, i*n/10)
		}
		typo.WriteString("}}\n")
		return scaleRepo{config: "entities:\n  - files: \"w/*/entity.json\"\n    blueprint: wide\n",
			blueprints: map[string]string{"wide": bp.String()},
			files:      map[string]string{"w/all/entity.json": all.String(), "w/typo/entity.json": typo.String()}, wantFindings: true}
	}},
	// An enum of n values and 200 entities with a value not in it.
	{"enum-size", 125000, func(n int) scaleRepo {
		var bp, ents strings.Builder
		bp.WriteString(`{"identifier": "region", "schema": {"properties": {"code": {"type": "string", "enum": [`)
		for i := range n {
			if i > 0 {
				bp.WriteString(",")
			}
			fmt.Fprintf(&bp, `"code-%07d"`, i)
		}
		bp.WriteString("]}}}}")
		ents.WriteString("[\n")
		for i := range 200 {
			if i > 0 {
				ents.WriteString(",\n")
			}
			code := "code-0000001"
			if i%10 != 9 { // 180 invalid, 20 valid
				code = fmt.Sprintf("nope-%d", i)
			}
			fmt.Fprintf(&ents, `{"identifier": "r-%d", "properties": {"code": %q}}`, i, code)
		}
		ents.WriteString("\n]\n")
		return scaleRepo{config: "entities:\n  - files: \"regions.json\"\n    blueprint: region\n",
			blueprints: map[string]string{"region": bp.String()},
			files:      map[string]string{"regions.json": ents.String()}, wantFindings: true}
	}},
	// A glob of n "**/*" pairs against a 40-deep directory.
	{"glob-segments", 4, func(n int) scaleRepo { return deepGlobRepo(n, 40) }},
	// Eight "**/*" pairs against an n-deep directory.
	{"directory-depth", 40, func(n int) scaleRepo { return deepGlobRepo(8, n) }},
}

// deepGlobRepo is a directory chain depth levels deep with a file that no
// rule matches at each level and an entity file at the bottom, and a rule
// of pairs "**/*" segments before entity.json.
func deepGlobRepo(pairs, depth int) scaleRepo {
	files := map[string]string{}
	dir := ""
	for i := range depth {
		dir += fmt.Sprintf("d%d/", i)
		files[dir+"notes.json"] = "{}"
	}
	files[dir+"entity.json"] = `{"identifier": "deep", "properties": {"owner": "o"}}`
	glob := strings.Repeat("**/*/", pairs) + "entity.json"
	return scaleRepo{config: fmt.Sprintf("entities:\n  - files: %q\n    blueprint: svc\n", glob),
		blueprints: map[string]string{"svc": scaleServiceBlueprint}, files: files}
}

// BenchmarkScale runs validate on inputs of size N and 4N in each dimension
// its cost must grow with linearly. scripts/scale-ratios.sh prints the
// 4N/N ratios.
func BenchmarkScale(b *testing.B) {
	for _, d := range scaleDimensions {
		for _, n := range []int{d.n, 4 * d.n} {
			b.Run(fmt.Sprintf("%s/N=%d", d.name, n), func(b *testing.B) {
				dir := b.TempDir()
				repo := d.repo(n)
				if err := repo.write(dir); err != nil {
					b.Fatal(err)
				}
				opts := Options{
					IO:     &cmdutil.IO{Out: io.Discard, Err: io.Discard, Dir: dir, Getenv: func(string) string { return "" }},
					Format: "text", Color: "never",
				}
				b.ReportAllocs()
				for b.Loop() {
					err := Run(context.Background(), opts)
					if repo.wantFindings != errors.Is(err, cmdutil.ErrFindings) || err != nil && !errors.Is(err, cmdutil.ErrFindings) {
						b.Fatalf("validate: %v (want findings: %v)", err, repo.wantFindings)
					}
				}
			})
		}
	}
}
