package blueprint

import (
	"math/rand/v2"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// yamlShapes are values knownGoodYAML must recognise: if it stops doing so,
// `format: yaml` values of the commonest shapes go back to the full parse.
var yamlShapes = []string{
	"",
	"\n",
	"# only a comment\n",
	"replicaCount: 1\n",
	"replicaCount: 1\nimage:\n  repository: ghcr.io/acme/payments\n  tag: v1.230.0\n",
	"a: 1\nb:\n  c: 2\n  d:\n    e: three\nf: four",
	"service:\n  type: ClusterIP\n  port: 8080   # the container port\n\n# resources\nresources:\n  limits:\n    cpu: 500m\n    memory: 512Mi\n",
	"args:\n  - --verbose\n  - /etc/config.yaml\n",
	"args:\n- one\n- two\nnext: 3\n",
	"- a\n- b c\n- 'quoted: yes'\n",
	"url: https://example.com/path?x=1\n",
	"tag: \"1.2.3\"\nname: 'payments'\n",
	"empty:\nnull_later: ~\n",
	"ingress:\n  enabled: true\n  hosts:\n    - payments.example.com\n  tls: false\n",
	"  indented: root\n  second: key\n",
	"key: value with spaces  \n",
	"key:   # a comment, the value is null\nother: x\n",
	"offset: -1\nratio: .5\n",
}

// yamlNotShapes must not be recognised: some are invalid YAML, the rest are
// valid but outside the shape, for the parser to decide.
var yamlNotShapes = []string{
	"a: 1\na: 2\n",                     // duplicate key
	"a:\n  b: 1\n  b: 2\n",             // duplicate nested key
	"key: a: b\n",                      // mapping value inside a plain scalar
	"key: value:\n",                    // the same, at the end
	"key:value\n",                      // a plain scalar, not an entry
	"a: 1\n  b: 2\n",                   // more indented after a value
	"a:\n  b: 1\n c: 2\n",              // indentation that matches no level
	"a: [1, 2]\n",                      // flow sequence
	"a: {b: 1}\n",                      // flow mapping
	"a: |\n  text\n",                   // block scalar
	"a: &x 1\nb: *x\n",                 // anchor and alias
	"a: !!str 1\n",                     // tag
	"\ta: 1\n",                         // tab
	"a: \"esc\\n\"\n",                  // escape
	"a: 'unterminated\n",               // unterminated quote
	"a: é\n",                           // non-ASCII
	"---\na: 1\n",                      // document marker
	"- a\nb: 1\n",                      // sequence, then mapping at the same level
	"a:\n  - x\n  b: y\n",              // mapping entry among sequence items
	"-   \n",                           // an empty item
	"- k: v\n",                         // mapping inside a sequence item
	"a: b #c\r\n",                      // carriage return
	"a:#x\n",                           // a plain scalar "a:#x"
	"a: @x\n",                          // reserved indicator
	"plain scalar document\n",          // not a collection
	strings.Repeat("k", 200) + ": v\n", // long key
}

func TestKnownGoodYAML(t *testing.T) {
	for _, s := range yamlShapes {
		if !knownGoodYAML(s) {
			t.Errorf("knownGoodYAML(%q) = false, want true", s)
		}
		var v any
		if err := yaml.Unmarshal([]byte(s), &v); err != nil {
			t.Errorf("the test's own shape %q is not valid YAML: %v", s, err)
		}
	}
	for _, s := range yamlNotShapes {
		if knownGoodYAML(s) {
			t.Errorf("knownGoodYAML(%q) = true, want false", s)
		}
	}
}

// The yaml format still rejects what the parser rejects, with its message.
func TestYAMLFormatRejectsInvalid(t *testing.T) {
	check := checkYAML
	for _, s := range []string{"a: 1\na: 2\n", "key: a: b\n", "a: 'unterminated\n", "a:\n  b: 1\n c: 2\n"} {
		err := check(s)
		if err == nil {
			t.Errorf("yaml format accepted %q", s)
			continue
		}
		if !strings.HasPrefix(err.Error(), "not valid YAML: ") {
			t.Errorf("yaml format on %q: %v", s, err)
		}
	}
	if err := check(yamlShapes[4]); err != nil {
		t.Errorf("yaml format rejected %q: %v", yamlShapes[4], err)
	}
}

// FuzzKnownGoodYAML checks the fast path against the parser: whatever it
// recognises, the parser must accept.
func FuzzKnownGoodYAML(f *testing.F) {
	for _, s := range yamlShapes {
		f.Add(s)
	}
	for _, s := range yamlNotShapes {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !knownGoodYAML(s) {
			return
		}
		var v any
		if err := yaml.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("knownGoodYAML(%q) = true, but the parser says: %v", s, err)
		}
	})
}

func BenchmarkYAMLFormat(b *testing.B) {
	values := map[string]string{
		"shape":   yamlShapes[6],
		"outside": "service: {type: ClusterIP, port: 8080}\nnotes: |\n  multi\n  line\n",
	}
	for name, s := range values {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := checkYAML(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestKnownGoodYAMLAgreesWithParser builds documents in and around the shape
// from pieces that sit on its edges, and checks the parser accepts every one
// knownGoodYAML recognises.
func TestKnownGoodYAMLAgreesWithParser(t *testing.T) {
	indents := []string{"", "", "", "", "  ", "  ", "  ", "    ", " ", "\t"}
	keys := []string{"a", "b", "c", "d", "e", "a", "key", "k-1", "x.y", "1", "true", "null", "-k", ".k", "k k", "k#"}
	seps := []string{": ", ": ", ": ", ":", ":  ", " : ", ":\t"}
	values := []string{"", "", "", "1", "x", "y z", "-1", "--v", "- x", ".5", "...", "~", "v", "a b", "a: b", "a:b", "a #c", "a#c",
		"'q'", "\"q\"", "'it''s'", "\"a\\\"b\"", "'", "?x", "? x", "x?", "a,b", "[a]", "{a: 1}", "|", ">", "&a x", "*a",
		"!t x", "@x", "%x", "`x", "http://h/p?q=1", "#c", "é", "a:", "x:\ty"}
	tails := []string{"", "", "", "", "", "", " ", " # note", "#note", "\r"}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	recognised := 0
	const docs = 100000
	for range docs {
		var b strings.Builder
		for range 1 + rng.IntN(5) {
			b.WriteString(pick(indents))
			switch rng.IntN(8) {
			case 0:
				b.WriteString("- " + pick(values))
			case 1:
				b.WriteString("# comment")
			default:
				b.WriteString(pick(keys) + pick(seps) + pick(values))
			}
			b.WriteString(pick(tails))
			b.WriteString("\n")
		}
		s := b.String()
		if !knownGoodYAML(s) {
			continue
		}
		recognised++
		var v any
		if err := yaml.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("knownGoodYAML(%q) = true, but the parser says: %v", s, err)
		}
	}
	// The pieces are chosen so that a fair share lands inside the shape;
	// otherwise the check above checks little.
	if recognised < docs/25 {
		t.Fatalf("only %d of %d documents recognised: the generator no longer exercises the fast path", recognised, docs)
	}
	t.Logf("%d of %d documents recognised", recognised, docs)
}
