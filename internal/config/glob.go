package config

import (
	"errors"
	"path"
	"strings"
)

// Glob is a compiled slash-separated file pattern. Each segment is a
// path.Match pattern; a segment that is exactly ** matches zero or more
// directories. Patterns are matched against the whole path relative to the
// repository root.
type Glob struct {
	pattern  string
	segments []string
}

// CompileGlob checks pattern and compiles it.
func CompileGlob(pattern string) (*Glob, error) {
	if pattern == "" {
		return nil, errors.New("empty pattern")
	}
	if strings.HasPrefix(pattern, "/") {
		return nil, errors.New("patterns are relative to the repository root: remove the leading /")
	}
	if strings.Contains(pattern, "\\") {
		return nil, errors.New("use / to separate directories; \\ escapes are not supported")
	}
	if strings.HasPrefix(pattern, "./") {
		return nil, errors.New("patterns are relative to the repository root already: remove the leading ./")
	}
	if strings.HasSuffix(pattern, "/") {
		return nil, errors.New("a pattern ending with / names a directory, and only files are entity files: write dir/** for every file below it")
	}
	if strings.ContainsAny(pattern, "{}") {
		return nil, errors.New("braces {a,b} are not supported: write one pattern per alternative")
	}
	if strings.HasPrefix(pattern, "!") {
		return nil, errors.New("negation with a leading ! is not supported: list the paths to leave out under ignore")
	}
	g := &Glob{pattern: pattern}
	for _, seg := range strings.Split(pattern, "/") {
		switch {
		case seg == "":
			return nil, errors.New("empty path segment (//)")
		case seg == "." || seg == "..":
			return nil, errors.New("a " + seg + " segment never matches: paths are matched as written from the repository root, without . or ..")
		case seg == "**":
		case strings.Contains(seg, "**"):
			return nil, errors.New("** must be a whole path segment, as in a/**/b.json")
		default:
			if _, err := path.Match(seg, ""); err != nil {
				return nil, errors.New("malformed pattern segment " + seg + " (unclosed [ or bad range)")
			}
		}
		// Consecutive ** are the same as one.
		if seg == "**" && len(g.segments) > 0 && g.segments[len(g.segments)-1] == "**" {
			continue
		}
		g.segments = append(g.segments, seg)
	}
	return g, nil
}

// MustCompileGlob is CompileGlob for patterns known to be good.
func MustCompileGlob(pattern string) *Glob {
	g, err := CompileGlob(pattern)
	if err != nil {
		panic(err)
	}
	return g
}

// String returns the pattern as written.
func (g *Glob) String() string { return g.pattern }

// Match reports whether the slash-separated relative path matches.
//
// It runs the pattern as a set of states over the path's parts, one step per
// part, so its cost is at most the number of parts times the number of
// segments (times a path.Match, linear in the lengths of its two strings),
// however many ** the pattern holds: there is no backtracking.
func (g *Glob) Match(rel string) bool {
	n := len(g.segments)
	// cur[i] says the parts read so far can be matched by segments[:i], with
	// segments[i:] left for the rest; cur[n] that every segment is used.
	var buf [2 * 33]bool
	var cur, next []bool
	if 2*(n+1) <= len(buf) {
		cur, next = buf[:n+1], buf[n+1:2*(n+1)]
	} else {
		cur, next = make([]bool, n+1), make([]bool, n+1)
	}
	cur[0] = true
	g.skipStars(cur)
	for {
		part, rest, more := strings.Cut(rel, "/")
		clear(next)
		alive := false
		for i, on := range cur[:n] {
			if !on {
				continue
			}
			seg := g.segments[i]
			if seg == "**" {
				// ** takes this part and may take more; a trailing ** is
				// satisfied by one part.
				next[i] = true
				if i == n-1 {
					next[n] = true
				}
				alive = true
				continue
			}
			if ok, _ := path.Match(seg, part); ok {
				next[i+1] = true
				alive = true
			}
		}
		if !alive {
			return false
		}
		g.skipStars(next)
		cur, next = next, cur
		if !more {
			return cur[n]
		}
		rel = rest
	}
}

// skipStars adds to states the ones reached by letting a ** that is not the
// last segment match no directory. Consecutive ** were merged at compile
// time, so one pass in order suffices.
func (g *Glob) skipStars(states []bool) {
	n := len(g.segments)
	for i := 0; i < n-1; i++ {
		if states[i] && g.segments[i] == "**" {
			states[i+1] = true
		}
	}
}

// CanMatchUnder reports whether some file below the slash-separated directory
// dir could match, so a directory walk can skip whole subtrees.
func (g *Glob) CanMatchUnder(dir string) bool {
	if dir == "" || dir == "." {
		return true
	}
	parts := strings.Split(dir, "/")
	for i, p := range parts {
		if i >= len(g.segments) {
			return false
		}
		seg := g.segments[i]
		if seg == "**" {
			return true
		}
		if ok, _ := path.Match(seg, p); !ok {
			return false
		}
	}
	return len(g.segments) > len(parts)
}

// CanMatchUnder reports whether any rule could match a file below dir.
func (c *Config) CanMatchUnder(dir string) bool {
	if c.Tuning.ignoresAllUnder(dir) {
		return false
	}
	for i := range c.Rules {
		if c.Rules[i].glob.CanMatchUnder(dir) {
			return true
		}
	}
	return false
}
