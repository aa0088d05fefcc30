package entitydiff

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// Body renders an entity object as parsed from a file into what Port
// receives: without its "blueprint" key and without the fields Port sets
// itself (createdAt, createdBy, updatedAt, updatedBy), keys sorted by their
// bytes, numbers exactly as written, strings escaped as encoding/json does
// without HTML escaping. It writes straight from the parse tree: the same
// bytes as encoding/json over decoded maps, in a fraction of the
// allocations (see write_test.go). sync and drift build every body with it.
func Body(n *entity.Value) (json.RawMessage, error) {
	if n == nil || n.Kind != entity.KindObject {
		return nil, fmt.Errorf("entity is not an object")
	}
	b := make([]byte, 0, 256)
	b, err := appendObject(b, n, true)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}

func appendValue(b []byte, v *entity.Value) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	switch v.Kind {
	case entity.KindNull:
		return append(b, "null"...), nil
	case entity.KindBool:
		return strconv.AppendBool(b, v.Bool), nil
	case entity.KindNumber:
		if !validNumber(v.Num) {
			return nil, fmt.Errorf("json: invalid number literal %q", v.Num)
		}
		return append(b, v.Num...), nil
	case entity.KindString:
		return appendString(b, v.Str), nil
	case entity.KindArray:
		b = append(b, '[')
		for i, e := range v.Elems {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendValue(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case entity.KindObject:
		return appendObject(b, v, false)
	}
	return nil, fmt.Errorf("unknown value kind %v", v.Kind)
}

// appendObject writes an object with its keys sorted; at the top of an
// entity (top) without "blueprint" and the server fields.
func appendObject(b []byte, v *entity.Value, top bool) ([]byte, error) {
	members := make([]*entity.Member, 0, len(v.Members))
	for i := range v.Members {
		m := &v.Members[i]
		if top && (m.Key == "blueprint" || entity.IsServerField(m.Key)) {
			continue
		}
		members = append(members, m)
	}
	slices.SortFunc(members, func(x, y *entity.Member) int { return strings.Compare(x.Key, y.Key) })
	b = append(b, '{')
	for i, m := range members {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, m.Key)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, m.Value); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendString quotes s as encoding/json does with HTML escaping off:
// \" and \\, \b \f \n \r \t, other control characters as \u00XX, invalid
// UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// validNumber reports whether s is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(s string) bool {
	i := 0
	digits := func() bool {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}
