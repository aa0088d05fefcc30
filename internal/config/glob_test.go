package config

import (
	"math/rand/v2"
	"path"
	"strings"
	"testing"
)

// TestGlobMatchMore covers ** in every position, several ** in one pattern
// and patterns against paths far longer than themselves.
func TestGlobMatchMore(t *testing.T) {
	deep := strings.Repeat("d/", 40) + "entity.json"
	eight := strings.Repeat("**/*/", 8)
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"**", "a", true},
		{"**", "entity.json", true},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"a/**/b", "a/x/y/c", false},
		{"a/**/b/**", "a/b", false},
		{"a/**/b/**", "a/b/c", true},
		{"**/a/**/b/*.json", "x/a/y/b/z.json", true},
		{"**/a/**/b/*.json", "a/b/z.json", true},
		{"**/a/**/b/*.json", "a/b/c/z.json", false},
		{"*/**", "a", false},
		{"*/**", "a/b", true},
		{"**/*", "a", true},
		{"**/*/*", "a", false},
		{"**/*/*", "a/b", true},
		{"a/**/**/b", "a/b", true},
		{"x/*.json", "x/.json", true},
		{"x/?.json", "x/ab.json", false},
		{"[^a]/x", "b/x", true},
		{"[^a]/x", "a/x", false},
		{"a/b", "a/b/", false},
		{"a/*", "a/", true}, // path.Match: * matches the empty last part
		// The pathological ones: backtracking over these took minutes.
		{eight + "entity.json", deep, true},
		{eight + "nothing.json", deep, false},
		{eight + "*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/entity.json", deep, false},
		{strings.Repeat("**/*/", 20) + "**/entity.json", deep, true},
		{strings.Repeat("**/d/", 41) + "entity.json", deep, false},
		{strings.Repeat("**/d/", 40) + "entity.json", deep, true},
		{strings.Repeat("**/*x*/", 8) + "entity.json", deep, false},
	}
	for _, c := range cases {
		g, err := CompileGlob(c.pattern)
		if err != nil {
			t.Fatalf("CompileGlob(%q): %v", c.pattern, err)
		}
		if got := g.Match(c.path); got != c.want {
			t.Errorf("%q.Match(%q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

// backtrackMatch is the matcher Glob.Match replaced: correct but exponential
// in the number of ** segments. It is the oracle for TestGlobMatchAgrees.
func backtrackMatch(pat, parts []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			if len(rest) == 0 {
				return len(parts) > 0
			}
			for i := 0; i < len(parts); i++ {
				if backtrackMatch(rest, parts[i:]) {
					return true
				}
			}
			return false
		}
		if len(parts) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], parts[0]); !ok {
			return false
		}
		pat, parts = pat[1:], parts[1:]
	}
	return len(parts) == 0
}

// TestGlobMatchAgrees checks Match against the backtracking matcher on
// random short patterns and paths, including patterns of more than 32
// segments (the matcher's stack buffer).
func TestGlobMatchAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	segs := []string{"**", "*", "a", "b", "?", "[ab]", "a*", "*.json", "x.json"}
	parts := []string{"a", "b", "ab", "x.json", "a.json", "c", ""}
	for trial := range 20000 {
		np := 1 + rng.IntN(6)
		if trial%100 == 0 {
			np = 30 + rng.IntN(10)
		}
		ps := make([]string, np)
		for i := range ps {
			ps[i] = segs[rng.IntN(len(segs))]
		}
		g, err := CompileGlob(strings.Join(ps, "/"))
		if err != nil {
			continue
		}
		nparts := 1 + rng.IntN(7)
		if trial%100 == 0 {
			nparts = 30 + rng.IntN(12)
		}
		pp := make([]string, nparts)
		for i := range pp {
			pp[i] = parts[rng.IntN(len(parts))]
		}
		rel := strings.Join(pp, "/")
		if trial%100 == 0 {
			// The oracle is exponential on long ones: compare only where it
			// is quick (few **).
			if strings.Count(g.pattern, "**") > 3 {
				continue
			}
		}
		want := backtrackMatch(g.segments, strings.Split(rel, "/"))
		if got := g.Match(rel); got != want {
			t.Fatalf("%q.Match(%q) = %v, backtracking matcher says %v", g.pattern, rel, got, want)
		}
	}
}
