package entity

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// fastSimple are simple port.yml files the fast path must accept.
var fastSimple = []string{
	"identifier: a\nblueprint: service\n",
	"identifier: kendo-ui-webpack\nblueprint: service\nteam: [\"Professional Archive PCweb\"]\nproperties:\n  description: \"(auto-generated port.yml, needs correction)\"\nrelations:\n  product: professional_archive\n  code_owners: [\"ben@example.com\", \"dana@example.com\"]\n",
	"- identifier: cartService\n  blueprint: component\n  relations:\n    system: cart\n    resources: [\"cartSqlDb\"]\n    consumesApi: []\n- identifier: k8f_sonarr\n  team: []\n  icon: DefaultBlueprint\n  blueprint: sonarQubeProject\n  properties: {organization: null, coverage: 0}\n  relations: {repo: k8f, group: null}\n",
	"# a comment\nidentifier: a # trailing\n\nproperties:\n  # inside\n  n: -1.5e3\n  b: True\n  f: FALSE\n  z: ~\n  s: 'it''s'\n  d: \"a\\\"b\\\\c\\nd\\te\"\n",
	"tags:\n- a\n- b\nnext: 1\n",
	"list:\n  - a: 1\n    b: [x, 'y']\n  - c: {k: v}\n  - plain text, with comma\n",
	"helm: |\n  a: 1\n\n  b:\n    c: 2\n\n\nafter: x\n",
	"helm: |-\n  line one\n  line two\nz: 1\n",
	"a: 1\r\nb: [x, y]\r\nc: |\r\n  t\r\n",
	"  a: 1\n  b: 2\n",
	"version: 1.10\nok: no\non: yes\nx: 1e3\n",
	"url: https://example.com/a?b=c#frag\nslack: \"#chan\"\nc: C#\n",
	"size: 500m\nmem: 512Mi\nv: v1.2.3\nbig: 123456789012345678901234567890\n",
	"\"quoted key\": 1\n'single': 2\n",
}

// fastCorpus adds near misses to fastSimple: inputs the fast path must
// refuse, or read as the full parse does.
var fastCorpus = append(append([]string{}, fastSimple...),
	"a: |\n    deep\n  less\n",
	"mode: 0755\nwhen: 12:30\nday: 2026-01-31\nver: 1.2.3\nhex: 0x1F\n", "a: [1, 2,]\n", "a: [1 , 2]\n", "a: {x: 1, x: 2}\n", "a: 1\na: 2\n", "a:\n", "a:\nb: 1\n", "- \n- a\n",
	"a: b: c\n", "a: b\n  c\n", "a: 'x' y\n", "a: [x, [y]]\n", "a: {b: {c: d}}\n", "key:value\n", "a :1\n",
	"a: |\n\n  x\n", "a: |\n  x", "a: |2\n   x\n", "a: >\n  x\n", "a: &x 1\n", "a: *x\n", "a: !t 1\n",
	"a: \"\\u00e9\"\n", "- - a\n", "-1: x\n", "a: -\n", "a: - b\n", "a: ]\n", "a: x]\n", "[a, b]\n", "{a: 1}\n",
	"a: 1 # c\n  # more indented comment\nb: 2\n", "a:\n  - x\n  -\n", "a: \"x\n", "a: 'x\n", "a: [x\n",
	"a: ''\nb: \"\"\n", "a: []\nb: {}\n", "a: {}\n", "a: [ ]\n", "a: {  }\n", "- a\n- {b: 1}\n- [c]\n",
	"a: 1\n---\n", "a: 1\n...\n", "%TAG x\n", "a: 1\rb: 2\n", "a: x\r", "a: .5\n", "a: +1\n", "a: 01\n", "a: 1_0\n",
	"a: |\n  x\n # c\nb: 1\n", "a: |\n  x\n   # not a comment\nb: 1\n", "a: |\n  x\n  \n   \nb: 1\n",
	"a:\n- b: 1\n  c: 2\n- d\n", "a:\n  b:\n  - 1\n  c: 2\n", "- a: 1\n  b:\n  - x\n", "- a:\n  - x\n- b\n",
	"a: 'x'#c\n", "a: x #c\n", "a: x#c\n", "a: [x]#c\n", "a: [x] #c\n", "a: [x #c]\n", "a: {b: c d}\n",
	"a: [https://x.io/a, b:c]\n", "a: {u: https://x}\n", "a: [a: b]\n", "a: {\"k\": v}\n", "a: {'k': v, 'l': \"w\"}\n",
	"a: [true, null, 3, -0, 1e5, x y]\n", "0: zero\n1.5: x\ntrue: t\nnull: n\n", "a.b/c@d: 1\n_x: 2\n/y: 3\n",
)

// describeTree renders a tree with every field the checks read, for a
// comparison that names the first difference.
func describeTree(v *Value) string {
	var b strings.Builder
	var walk func(v *Value, ind string)
	walk = func(v *Value, ind string) {
		fmt.Fprintf(&b, "%s%v@%v off=%d bool=%v str=%q num=%q amb=%v\n", ind, v.Kind, v.Pos, v.Pos.Offset, v.Bool, v.Str, v.Num, v.Ambiguity)
		for _, e := range v.Elems {
			walk(e, ind+"  ")
		}
		for _, m := range v.Members {
			fmt.Fprintf(&b, "%s  key %q@%v off=%d\n", ind, m.Key, m.KeyPos, m.KeyPos.Offset)
			walk(m.Value, ind+"    ")
		}
	}
	if v != nil {
		walk(v, "")
	}
	return b.String()
}

// agree checks that whatever the fast path accepts, the full parse reads
// the same: no error, no diagnostic, the same tree.
func agree(t *testing.T, data []byte) bool {
	t.Helper()
	fast, ok := parseYAMLFast(data)
	if !ok {
		return false
	}
	full, diags, err := parseYAMLFull(data)
	if err != nil {
		t.Fatalf("%q: the fast path accepted what the full parse rejects: %v", data, err)
	}
	if len(diags) > 0 {
		t.Fatalf("%q: the fast path accepted a file with findings: %v", data, diags)
	}
	if !reflect.DeepEqual(fast, full) {
		t.Fatalf("%q: trees differ\nfast:\n%s\nfull:\n%s", data, describeTree(fast), describeTree(full))
	}
	return true
}

// TestYAMLFastAgrees: on every input the fast path accepts it gives the
// full parse's tree, and it accepts the simple files it is for.
func TestYAMLFastAgrees(t *testing.T) {
	accepted := 0
	for _, in := range append(append(append([]string{}, fastCorpus...), yamlCorpus...), benchYAMLEntity) {
		if agree(t, []byte(in)) {
			accepted++
		}
	}
	// The shapes it exists for must take the fast path.
	for _, in := range fastSimple {
		if _, ok := parseYAMLFast([]byte(in)); !ok {
			t.Errorf("fast path refused a simple file:\n%s", in)
		}
	}
	t.Logf("%d inputs accepted by the fast path", accepted)
}

// TestYAMLFastFallsBack: what the fast path refuses, ParseYAML still reads
// (and reports) through the full parse.
func TestYAMLFastFallsBack(t *testing.T) {
	for in, want := range map[string]string{
		"a: 1\na: 2\n":        "duplicate-key",
		"a: 1\n---\nb: 2\n":   RuleYAMLMultipleDocuments,
		"a: [x\n":             RuleYAMLSyntax,
		"a: b: c\n":           RuleYAMLSyntax,
		"a:\n  - x\n \t- y\n": RuleYAMLSyntax,
	} {
		if _, ok := parseYAMLFast([]byte(in)); ok {
			t.Errorf("%q: the fast path accepted it", in)
		}
		_, diags, err := ParseYAML([]byte(in))
		got := ""
		if err != nil {
			got = err.(*SyntaxError).Problem().Rule
		} else if len(diags) > 0 {
			got = diags[0].Problem().Rule
		}
		if got != want {
			t.Errorf("%q: finding %q, want %q", in, got, want)
		}
	}
}

// FuzzYAMLFast: on any input, what the fast path accepts the full parse
// reads the same way.
func FuzzYAMLFast(f *testing.F) {
	for _, in := range fastCorpus {
		f.Add([]byte(in))
	}
	for _, in := range yamlCorpus {
		f.Add([]byte(in))
	}
	f.Add([]byte(benchYAMLEntity))
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, data)
	})
}

// TestYAMLFastMutations: the differential check on 30,000 small mutations
// of the corpus (inserted, deleted and replaced indicator bytes), seeded so
// that every run checks the same inputs; FuzzYAMLFast goes further.
func TestYAMLFastMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab01 :-[]{},'\"|\n#\\.\r~>&*!?")
	accepted := 0
	for range 30000 {
		in := []byte(fastCorpus[rng.IntN(len(fastCorpus))])
		for k := rng.IntN(4); k >= 0; k-- {
			i := rng.IntN(len(in) + 1)
			switch c := alphabet[rng.IntN(len(alphabet))]; {
			case rng.IntN(3) == 0:
				in = append(in[:i], append([]byte{c}, in[i:]...)...)
			case i == len(in):
			case rng.IntN(2) == 0:
				in = append(in[:i], in[i+1:]...)
			default:
				in[i] = c
			}
		}
		if agree(t, in) {
			accepted++
		}
	}
	if accepted < 3000 {
		t.Errorf("only %d of 30,000 mutations took the fast path: the check checks little", accepted)
	}
}

// benchSimpleYAML is a port.yml of the fast path's shape, about 1 KB.
const benchSimpleYAML = `identifier: svc-00049
title: Service 49
team: [team-9]
properties:
  url: https://git.example.com/org/svc-00049
  language: Rust
  tier: standard
  onCall: "@team-9"
  owner: owner49@example.com
  replicas: 18
  coverage: 63.5
  tags: [backend, group-9]
  lastDeploy: "2026-11-22T10:49:00Z"
  helmValues: |
    replicaCount: 5
    image:
      tag: v1.49.0
  runbook: "# Service 49\n\nRestart it."
  public: false
  limits:
    cpu: 500m
    memory: 512Mi
  dashboard:
    url: https://grafana.example.com/d/49
    displayText: Grafana
relations:
  system: system-1
  dependsOn: [svc-00140, svc-00225]
`

// BenchmarkParseYAMLSimple parses a port.yml the fast path reads, and the
// same file through yaml/v3, for comparison:
// go test ./internal/entity -run '^$' -bench ParseYAMLSimple -benchmem
func BenchmarkParseYAMLSimple(b *testing.B) {
	data := []byte(benchSimpleYAML)
	if _, ok := parseYAMLFast(data); !ok {
		b.Fatal("the benchmark file does not take the fast path")
	}
	for name, parse := range map[string]func([]byte) (*Value, []Diagnostic, error){"fast": ParseYAML, "full": parseYAMLFull} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := parse(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
