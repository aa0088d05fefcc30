package entity

import (
	"fmt"
	"strconv"
	"strings"
)

// Pointer joins reference tokens into an RFC 6901 JSON pointer, escaping '~'
// as "~0" and '/' as "~1". No tokens give "", the whole document.
func Pointer(tokens ...string) string {
	n := 0
	for _, t := range tokens {
		n += 1 + len(t)
	}
	var b strings.Builder
	b.Grow(n)
	for _, t := range tokens {
		b.WriteByte('/')
		writeToken(&b, t)
	}
	return b.String()
}

func writeToken(b *strings.Builder, t string) {
	if !strings.ContainsAny(t, "~/") {
		b.WriteString(t)
		return
	}
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '~':
			b.WriteString("~0")
		case '/':
			b.WriteString("~1")
		default:
			b.WriteByte(t[i])
		}
	}
}

// ParsePointer splits an RFC 6901 JSON pointer into its unescaped reference
// tokens. "" gives no tokens; any other pointer must start with '/', and '~'
// may only appear as "~0" or "~1".
func ParsePointer(ptr string) ([]string, error) {
	if ptr == "" {
		return nil, nil
	}
	if ptr[0] != '/' {
		return nil, fmt.Errorf("json pointer %q must start with '/'", ptr)
	}
	parts := strings.Split(ptr[1:], "/")
	for i, p := range parts {
		if !strings.Contains(p, "~") {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(p); j++ {
			if p[j] != '~' {
				b.WriteByte(p[j])
				continue
			}
			if j+1 < len(p) && (p[j+1] == '0' || p[j+1] == '1') {
				b.WriteByte("~/"[p[j+1]-'0'])
				j++
				continue
			}
			return nil, fmt.Errorf("json pointer %q: '~' must be followed by 0 or 1", ptr)
		}
		parts[i] = b.String()
	}
	return parts, nil
}

// frame is one open container while parsing: where it starts and which
// member or element is being read, so a diagnostic can name its pointer.
type frame struct {
	pos   Pos
	kind  Kind
	key   string
	index int
}

func framesPointer(path []frame) string {
	var b strings.Builder
	for _, f := range path {
		b.WriteByte('/')
		if f.kind == KindArray {
			b.WriteString(strconv.Itoa(f.index))
		} else {
			writeToken(&b, f.key)
		}
	}
	return b.String()
}
