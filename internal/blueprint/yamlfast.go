package blueprint

import "strings"

// knownGoodYAML reports whether s is certainly a valid YAML document, for a
// common, simple shape: block mappings and sequences of one-line scalars
// (plain, or quoted without escapes), with comments and blank lines, indented
// by spaces. Most `format: yaml` property values (Helm values, small
// configuration snippets) have that shape, and recognising it takes a
// fraction of a full parse, which a catalog pays for every such value on
// every commit.
//
// false means "not known": anything outside the shape, valid or not (flow
// collections, block scalars, anchors, tags, tabs, non-ASCII text, duplicate
// keys, odd indentation), is left to the YAML parser, which also gives the
// message. The shape is kept narrow on purpose: FuzzKnownGoodYAML checks
// that the parser accepts whatever this accepts.
func knownGoodYAML(s string) bool {
	var (
		levels  [maxYAMLDepth]yamlLevel
		depth   int // levels in use
		keys    [maxYAMLKeys]string
		nkeys   int  // keys of the mappings in levels[:depth], level by level
		pending bool // the last entry was "key:" with its value still to come
	)
	push := func(l yamlLevel) bool {
		if depth == maxYAMLDepth {
			return false
		}
		l.firstKey = nkeys
		levels[depth] = l
		depth++
		return true
	}
	pop := func() {
		depth--
		nkeys = levels[depth].firstKey
	}
	for len(s) > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		rest := line[indent:]
		if rest == "" || rest[0] == '#' {
			if !printableASCII(rest) {
				return false
			}
			continue
		}
		seq := rest[0] == '-'
		var key string
		if seq {
			// "- scalar": one scalar item, nothing nested.
			if len(rest) < 3 || rest[1] != ' ' || !scalarAndComment(trimLeftSpaces(rest[2:])) {
				return false
			}
		} else {
			var ok bool
			key, rest, ok = cutKey(rest)
			if !ok {
				return false
			}
		}

		if pending {
			pending = false
			top := &levels[depth-1]
			switch {
			case indent > top.indent:
				// The value is a nested block.
				if !push(yamlLevel{indent: indent, seq: seq}) {
					return false
				}
			case indent == top.indent && seq:
				// A sequence may sit at its key's own indentation.
				if !push(yamlLevel{indent: indent, seq: true, compact: true}) {
					return false
				}
			}
			// Otherwise the value was null.
		}
		if depth == 0 {
			push(yamlLevel{indent: indent, seq: seq})
		}
		for depth > 0 && levels[depth-1].indent > indent {
			pop()
		}
		if depth > 0 && levels[depth-1].compact && !seq && levels[depth-1].indent == indent {
			pop()
		}
		if depth == 0 {
			return false
		}
		top := &levels[depth-1]
		if top.indent != indent || top.seq != seq {
			return false
		}
		if seq {
			continue
		}
		for _, k := range keys[top.firstKey:nkeys] {
			if k == key {
				return false // a duplicate key: the parser says where
			}
		}
		if nkeys == maxYAMLKeys {
			return false
		}
		keys[nkeys] = key
		nkeys++
		value := trimLeftSpaces(rest)
		switch {
		case value == "":
			pending = true
		case len(value) == len(rest):
			return false // "key:value" is one plain scalar, not an entry
		case value[0] == '#':
			if !printableASCII(value) {
				return false
			}
			pending = true
		case !scalarAndComment(value):
			return false
		}
	}
	return true
}

const (
	maxYAMLDepth = 16
	maxYAMLKeys  = 64
	maxYAMLKey   = 128 // YAML limits implicit keys to 1024 characters
)

type yamlLevel struct {
	indent  int
	seq     bool
	compact bool // a sequence at its parent key's indentation
	// firstKey is where the mapping's keys start in knownGoodYAML's keys.
	firstKey int
}

// cutKey splits `key:` from the rest of an entry line.
func cutKey(s string) (key, rest string, ok bool) {
	i := 0
	for i < len(s) && i <= maxYAMLKey && isKeyByte(s[i], i == 0) {
		i++
	}
	if i == 0 || i > maxYAMLKey || i == len(s) || s[i] != ':' {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

func isKeyByte(c byte, first bool) bool {
	switch {
	case isAlnum(c), c == '_':
		return true
	case c == '-' || c == '.':
		return !first
	}
	return false
}

// scalarAndComment reports whether s is a one-line scalar of the shape,
// optionally followed by spaces and a comment.
func scalarAndComment(s string) bool {
	if s == "" {
		return false
	}
	var i int
	switch s[0] {
	case '"', '\'':
		// Quoted, without escapes or the quote inside.
		q := s[0]
		i = 1
		for i < len(s) && s[i] != q {
			if s[i] == '\\' || s[i] < 0x20 || s[i] > 0x7e {
				return false
			}
			i++
		}
		if i == len(s) {
			return false
		}
		i++
		if i < len(s) && s[i] != ' ' {
			return false
		}
	default:
		if !isPlainStart(s) {
			return false
		}
		for i = 1; i < len(s); i++ {
			c := s[i]
			if c == ' ' {
				if i+1 < len(s) && s[i+1] == '#' {
					break // a comment
				}
				continue
			}
			if c == ':' {
				// ": " or a final ':' would start a mapping value.
				if i+1 == len(s) || s[i+1] == ' ' {
					return false
				}
				continue
			}
			if !isPlainByte(c) {
				return false
			}
		}
	}
	rest := trimLeftSpaces(s[i:])
	return rest == "" || (rest[0] == '#' && len(rest) < len(s[i:]) && printableASCII(rest))
}

// isPlainStart reports whether s starts like a plain scalar of the shape:
// not with an indicator, except '-' and '.' before something other than a
// space (-1, --verbose, .5).
func isPlainStart(s string) bool {
	switch c := s[0]; {
	case isAlnum(c), c == '_', c == '/', c == '~':
		return true
	case c == '-' || c == '.':
		return len(s) > 1 && isPlainByte(s[1])
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isPlainByte(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '_', '/', '.', '-', '+', '=', ',', ';', '(', ')', '~', '@', '%', '^', '$', '?', '&', '*', '!', '<', '>', '|':
		return true
	}
	return false
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func trimLeftSpaces(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return s
}
