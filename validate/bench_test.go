package validate

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/cmdutil"
)

// benchBlueprint is a realistic service blueprint: a dozen properties with
// enums, patterns, formats and nested objects, two relations, a mirror and a
// calculation property.
const benchBlueprint = `{
  "identifier": "service",
  "title": "Service",
  "schema": {
    "properties": {
      "url": {"type": "string", "format": "url"},
      "language": {"type": "string", "enum": ["Go", "Python", "TypeScript", "Java", "Rust"]},
      "tier": {"type": "string", "enum": ["critical", "standard", "experimental"]},
      "onCall": {"type": "string", "pattern": "^@[a-z0-9-]+$"},
      "owner": {"type": "string", "format": "user"},
      "replicas": {"type": "number", "minimum": 1, "maximum": 500},
      "coverage": {"type": "number", "minimum": 0, "maximum": 100},
      "tags": {"type": "array", "items": {"type": "string", "minLength": 2}, "uniqueItems": true},
      "lastDeploy": {"type": "string", "format": "date-time"},
      "helmValues": {"type": "string", "format": "yaml"},
      "runbook": {"type": "string", "format": "markdown"},
      "public": {"type": "boolean"},
      "limits": {"type": "object", "properties": {"cpu": {"type": "string"}, "memory": {"type": "string"}}},
      "dashboard": {"type": "object", "format": "labeled-url"}
    },
    "required": ["language", "tier"]
  },
  "mirrorProperties": {"systemOwner": {"path": "system.owner"}},
  "calculationProperties": {"slack": {"type": "string", "calculation": ".identifier"}},
  "relations": {
    "system": {"target": "system", "required": true, "many": false},
    "dependsOn": {"target": "service", "required": false, "many": true}
  }
}`

// writeCatalog writes n entity files (about 1 KB each) and the blueprint
// cache under dir. Every 50th file has a mistake, as real catalogs do.
func writeCatalog(dir string, n int) error { return writeCatalogAs(dir, n, "json") }

// writeCatalogAs is writeCatalog in a format: "json" writes entity.json
// files, "yaml" the same entities as port.yml files, written as people
// write them (block mappings, plain scalars, flow lists, a literal block
// for the Helm values).
func writeCatalogAs(dir string, n int, format string) error {
	if err := os.MkdirAll(filepath.Join(dir, ".port", "blueprints"), 0o755); err != nil {
		return err
	}
	name := "entity.json"
	if format == "yaml" {
		name = "port.yml"
	}
	if err := os.WriteFile(filepath.Join(dir, ".port", "gitops.yaml"), []byte("entities:\n  - files: \"services/**/"+name+"\"\n    blueprint: service\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ".port", "blueprints", "service.json"), []byte(benchBlueprint), 0o644); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	langs := []string{"Go", "Python", "TypeScript", "Java", "Rust"}
	for i := range n {
		tier := "standard"
		if i%50 == 49 {
			tier = "gold" // a mistake
		}
		body := fmt.Sprintf(`{
  "identifier": "svc-%05d",
  "title": "Service %d",
  "team": ["team-%d"],
  "properties": {
    "url": "https://git.example.com/org/svc-%05d",
    "language": %q,
    "tier": %q,
    "onCall": "@team-%d",
    "owner": "owner%d@example.com",
    "replicas": %d,
    "coverage": %d.5,
    "tags": ["backend", "group-%d"],
    "lastDeploy": "2026-11-%02dT10:%02d:00Z",
    "helmValues": "replicaCount: %d\nimage:\n  tag: v1.%d.0\n",
    "runbook": "# Service %d\n\nRestart it.",
    "public": %v,
    "limits": {"cpu": "500m", "memory": "512Mi"},
    "dashboard": {"url": "https://grafana.example.com/d/%d", "displayText": "Grafana"}
  },
  "relations": {
    "system": "system-%d",
    "dependsOn": ["svc-%05d", "svc-%05d"]
  }
}
`, i, i, i%40, i, langs[i%len(langs)], tier, i%40, i%300, 1+rng.IntN(20), rng.IntN(100), i%10, 1+i%28, i%60, 1+i%5, i, i, i%2 == 0, i, i%12, rng.IntN(n), rng.IntN(n))
		if format == "yaml" {
			body = yamlEntity(body)
		}
		p := filepath.Join(dir, "services", fmt.Sprintf("g%03d", i/100), fmt.Sprintf("svc-%05d", i), name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// yamlEntity rewrites one benchmark entity.json as a port.yml: the same
// entity, laid out as YAML is usually written.
func yamlEntity(jsonBody string) string {
	var e map[string]any
	if err := json.Unmarshal([]byte(jsonBody), &e); err != nil {
		panic(err)
	}
	p := e["properties"].(map[string]any)
	r := e["relations"].(map[string]any)
	team := e["team"].([]any)
	tags := p["tags"].([]any)
	deps := r["dependsOn"].([]any)
	lim := p["limits"].(map[string]any)
	dash := p["dashboard"].(map[string]any)
	helm := strings.ReplaceAll(strings.TrimSuffix(p["helmValues"].(string), "\n"), "\n", "\n    ")
	return fmt.Sprintf(`identifier: %s
title: %s
team: [%s]
properties:
  url: %s
  language: %s
  tier: %s
  onCall: "%s"
  owner: %s
  replicas: %v
  coverage: %v
  tags: [%s, %s]
  lastDeploy: "%s"
  helmValues: |
    %s
  runbook: "%s"
  public: %v
  limits:
    cpu: %s
    memory: %s
  dashboard:
    url: %s
    displayText: %s
relations:
  system: %s
  dependsOn: [%s, %s]
`, e["identifier"], e["title"], team[0], p["url"], p["language"], p["tier"], p["onCall"], p["owner"], p["replicas"], p["coverage"],
		tags[0], tags[1], p["lastDeploy"], helm, strings.ReplaceAll(p["runbook"].(string), "\n", `\n`), p["public"],
		lim["cpu"], lim["memory"], dash["url"], dash["displayText"], r["system"], deps[0], deps[1])
}

var (
	genFormat  = flag.String("gen-format", "json", "format of the files TestGenerateCatalog writes: json (entity.json) or yaml (port.yml)")
	genCatalog = flag.String("gen-catalog", "", "TestGenerateCatalog writes a catalog into this directory")
	genFiles   = flag.Int("gen-files", 1000, "number of entity files TestGenerateCatalog writes")
)

// TestGenerateCatalog writes a benchmark catalog for timing the real binary
// (scripts/bench-validate.sh); it does nothing unless -gen-catalog is set.
func TestGenerateCatalog(t *testing.T) {
	if *genCatalog == "" {
		t.Skip("set -gen-catalog DIR to write a benchmark catalog")
	}
	if err := writeCatalogAs(*genCatalog, *genFiles, *genFormat); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkValidate(b *testing.B) { benchmarkValidate(b, "json") }

// BenchmarkValidateYAML is BenchmarkValidate on the same catalog as
// port.yml files.
func BenchmarkValidateYAML(b *testing.B) { benchmarkValidate(b, "yaml") }

func benchmarkValidate(b *testing.B, format string) {
	for _, n := range []int{1, 1000, 10000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := writeCatalogAs(dir, n, format); err != nil {
				b.Fatal(err)
			}
			opts := Options{
				IO:     &cmdutil.IO{Out: io.Discard, Err: io.Discard, Dir: dir, Getenv: func(string) string { return "" }},
				Format: "text", Color: "never",
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				err := Run(context.Background(), opts)
				if n >= 50 && err == nil {
					b.Fatal("the catalog has mistakes, validate found none")
				}
			}
			b.ReportMetric(float64(n), "files/op")
		})
	}
}
