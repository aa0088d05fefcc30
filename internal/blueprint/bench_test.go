package blueprint

import (
	"path/filepath"
	"testing"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// benchEntities are entities of the svc fixture: one valid with many of
// its properties set, one with a finding in several properties.
var benchEntities = map[string]string{
	"valid": `{"identifier": "payments", "relations": {"must": "y"}, "properties": {
  "req": "r", "reqd": "d", "s": "text", "n": 42, "b": true, "color": "red", "code": "ABC",
  "name": "pay", "pct": 99.5, "ratio": 0.25, "tags": ["a", "b"], "urls": ["https://a.example/x"],
  "nested": {"port": 8080, "host": "h"}, "when": "2026-11-25T10:00:00Z", "mail": "ops@acme.io",
  "ip4": "10.0.0.1", "url": "https://example.com/a?b", "user": "ana@example.com", "team": "ops",
  "yml": "a: 1\nb: two\n", "link": {"url": "https://x.example", "displayText": "X"}, "mult": 1.5}}`,
	"invalid": `{"identifier": "payments", "relations": {"must": "y"}, "properties": {
  "req": "r", "reqd": "d", "s": 1, "n": "42", "color": "blue", "code": "abc", "name": "a",
  "pct": 101, "tags": ["a", "a"], "nested": {"port": "80"}, "when": "yesterday", "mail": "x"}}`,
}

// BenchmarkValidateEntity is the cost of checking one entity's properties
// against its blueprint (the parse not included).
func BenchmarkValidateEntity(b *testing.B) {
	c, err := OpenCache(filepath.Join("testdata"))
	if err != nil {
		b.Fatal(err)
	}
	bp, err := c.Get("svc")
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"valid", "invalid"} {
		root, _, err := entity.Parse([]byte(benchEntities[name]))
		if err != nil {
			b.Fatal(err)
		}
		ents, _ := entity.Extract(root)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bp.Validate(&ents[0])
			}
		})
	}
}
