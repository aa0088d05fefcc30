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
	g := &Glob{pattern: pattern}
	for _, seg := range strings.Split(pattern, "/") {
		switch {
		case seg == "":
			return nil, errors.New("empty path segment (//)")
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
func (g *Glob) Match(rel string) bool {
	return matchSegments(g.segments, strings.Split(rel, "/"))
}

func matchSegments(pat, parts []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			if len(rest) == 0 {
				return len(parts) > 0
			}
			for i := 0; i < len(parts); i++ {
				if matchSegments(rest, parts[i:]) {
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
	for i := range c.Rules {
		if c.Rules[i].glob.CanMatchUnder(dir) {
			return true
		}
	}
	return false
}
