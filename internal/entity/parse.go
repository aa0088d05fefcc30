package entity

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects that Parse accepts.
// Deeper input is a SyntaxError, never a stack overflow.
const MaxDepth = 1000

// SyntaxError is why a file is not valid JSON and where. Pos is the
// offending character; for a malformed number or literal, its first
// character; for an unterminated string, its opening quote; for a trailing
// comma, the comma; for a truncated file, the end of input.
type SyntaxError struct {
	Pos Pos
	Msg string
	// Rule names the finding: "json-syntax" when empty (Parse), or
	// "yaml-syntax" (ParseYAML).
	Rule string
}

// Error returns "line:column: message".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Column, e.Msg)
}

// Problem returns the error as a Problem of rule "json-syntax".
func (e *SyntaxError) Problem() Problem {
	rule := e.Rule
	if rule == "" {
		rule = "json-syntax"
	}
	return Problem{Pos: e.Pos, Rule: rule, Message: e.Msg}
}

// Diagnostic reports a key that appears more than once in the same object.
// It is not fatal: the tree keeps the last value, as Port and encoding/json
// do. ParseYAML also reports its other non-fatal findings as Diagnostics,
// with Rule and Msg set.
type Diagnostic struct {
	Pos      Pos    // the repeated key's opening quote
	FirstPos Pos    // the opening quote of the key's first occurrence
	Key      string // the key, decoded
	Pointer  string // JSON pointer to the member
	// Rule and Msg, when Rule is set, make this another finding than a
	// duplicate key (RuleYAMLMultipleDocuments, RuleYAMLTabIndent).
	Rule string
	Msg  string
}

// Message returns `duplicate key "x" (first defined at line N); ...`, or
// Msg for another rule.
func (d Diagnostic) Message() string {
	if d.Rule != "" {
		return d.Msg
	}
	return fmt.Sprintf("duplicate key %q (first defined at line %d); Port would keep only the last", d.Key, d.FirstPos.Line)
}

// Problem returns the diagnostic as a Problem of rule "duplicate-key".
func (d Diagnostic) Problem() Problem {
	rule := d.Rule
	if rule == "" {
		rule = "duplicate-key"
	}
	return Problem{Pos: d.Pos, Pointer: d.Pointer, Rule: rule, Message: d.Message()}
}

// Parse parses one JSON document (RFC 8259) and returns its root value and
// the duplicate keys it found, in document order. The error, when not nil,
// is a *SyntaxError and the other results are nil.
//
// Parse accepts the documents encoding/json accepts, with the same content
// (Interface equals what json.Unmarshal with UseNumber gives), except that it
// rejects invalid UTF-8 and unpaired surrogate escapes (which encoding/json
// silently turns into U+FFFD) and nesting deeper than MaxDepth. It also
// diagnoses duplicate keys, and explains a byte order mark instead of
// calling it an invalid character.
//
// Parse may be called from many goroutines at once. Data is not retained:
// strings and number literals in the tree share one copy of it, which the
// tree holds for as long as it lives.
func Parse(data []byte) (*Value, []Diagnostic, error) {
	return ParseIn(nil, data)
}

// An Arena holds the memory of parsed trees, for a caller that checks many
// files one after another and is done with each tree before it parses the
// next: ParseIn with the same Arena reuses the memory instead of allocating
// (and later collecting) a tree per file. After Reset, every Value of every
// tree parsed in the Arena is invalid; strings taken from them stay valid.
// An Arena is not safe for concurrent use.
type Arena struct {
	vals    []Value
	members []Member
	elems   []*Value
	used    bool
}

// maxArena bounds the tree an Arena keeps for reuse, so that one huge file
// does not pin its memory.
const maxArena = 1 << 14

// Reset makes the Arena's memory available to the next ParseIn.
func (a *Arena) Reset() {
	if cap(a.vals) > maxArena || cap(a.members) > maxArena || cap(a.elems) > maxArena {
		*a = Arena{}
		return
	}
	clear(a.vals)
	clear(a.members)
	clear(a.elems)
	a.used = false
}

// ParseIn is Parse with the tree's memory taken from a (fresh memory when a
// is nil). Until a.Reset, further calls with a allocate as Parse does.
func ParseIn(a *Arena, data []byte) (*Value, []Diagnostic, error) {
	p := parserPool.Get().(*parser)
	if a != nil && !a.used {
		p.arena = a
		a.used = true
	}
	root, err := p.parse(data)
	diags := p.diags
	p.release()
	if err != nil {
		return nil, nil, err
	}
	return root, diags, nil
}

var parserPool = sync.Pool{New: func() any { return new(parser) }}

// parser reads one document in two phases: parsing fills a flat tape of
// nodes that refer to their children by index, then build turns the tape
// into a tree with three exactly sized allocations. The tape and the
// scratch stacks stay in parserPool, so a parse allocates only what it
// returns.
type parser struct {
	data []byte
	src  string // one string copy of data: Str, Num and keys are slices of it
	i    int    // offset of the next unread byte

	// Position bookkeeping, kept current as the scanner moves forward, so
	// that pos() is O(1): the line number, the offset where it starts, and
	// how many UTF-8 continuation bytes it holds before i.
	line, lineStart, cont int

	depth int
	path  []frame

	tape     []node
	members  []tapeMember // every object's members, each object's contiguous
	elems    []int        // every array's elements, each array's contiguous
	scratchM []memberEntry
	scratchE []int
	buf      []byte
	diags    []Diagnostic
	arena    *Arena // where build takes the tree's memory from, if set
}

// node is a value on the tape. For containers, first and n locate its
// members or elements.
type node struct {
	kind  Kind
	b     bool
	pos   Pos
	text  string // Str or Num
	first int
	n     int
}

type tapeMember struct {
	key    string
	keyPos Pos
	value  int // tape index
}

// memberEntry is a member being collected, with where its key first
// appeared in case it repeats.
type memberEntry struct {
	tapeMember
	first Pos
}

// largeObject is the member count from which duplicate keys are found with a
// map rather than a linear scan.
const largeObject = 16

// maxPooled bounds the scratch a pooled parser keeps, so one huge file does
// not pin its memory.
const maxPooled = 1 << 14

func (p *parser) release() {
	clear(p.tape)
	clear(p.members)
	clear(p.scratchM[:cap(p.scratchM)])
	clear(p.path[:cap(p.path)])
	keep := parser{tape: p.tape[:0], members: p.members[:0], elems: p.elems[:0],
		scratchM: p.scratchM[:0], scratchE: p.scratchE[:0], path: p.path[:0], buf: p.buf[:0]}
	if cap(keep.tape) > maxPooled || cap(keep.members) > maxPooled || cap(keep.elems) > maxPooled ||
		cap(keep.scratchM) > maxPooled || cap(keep.scratchE) > maxPooled || cap(keep.path) > 64 || cap(keep.buf) > maxPooled {
		keep = parser{}
	}
	*p = keep
	parserPool.Put(p)
}

func (p *parser) parse(data []byte) (*Value, error) {
	p.data, p.line = data, 1
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		return nil, p.errAt(p.pos(), "file starts with a UTF-8 byte order mark (BOM): remove it, a JSON file must not begin with one")
	}
	if len(data) >= 2 && (data[0] == 0xFE && data[1] == 0xFF || data[0] == 0xFF && data[1] == 0xFE) {
		return nil, p.errAt(p.pos(), "file starts with a UTF-16 byte order mark: save it as UTF-8 without a BOM")
	}
	p.skipWS()
	if p.i == len(data) {
		return nil, p.errAt(Pos{Offset: 0, Line: 1, Column: 1}, "file is empty")
	}
	p.src = string(data)
	if _, err := p.parseValue(); err != nil {
		return nil, err
	}
	p.skipWS()
	if p.i < len(data) {
		if err := p.checkUTF8(p.i); err != nil {
			return nil, err
		}
		return nil, p.errAt(p.pos(), "trailing data after the JSON value")
	}
	return p.build(), nil
}

// build turns the tape into the tree; the root is the first node.
func (p *parser) build() *Value {
	vals, members, elems := p.treeMemory()
	for i := range p.tape {
		t := &p.tape[i]
		v := &vals[i]
		v.Kind, v.Pos = t.kind, t.pos
		switch t.kind {
		case KindBool:
			v.Bool = t.b
		case KindNumber:
			v.Num = t.text
		case KindString:
			v.Str = t.text
		case KindObject:
			if t.n > 0 {
				ms := members[t.first : t.first+t.n : t.first+t.n]
				for j, tm := range p.members[t.first : t.first+t.n] {
					ms[j] = Member{Key: tm.key, KeyPos: tm.keyPos, Value: &vals[tm.value]}
				}
				v.Members = ms
			}
		case KindArray:
			if t.n > 0 {
				es := elems[t.first : t.first+t.n : t.first+t.n]
				for j, e := range p.elems[t.first : t.first+t.n] {
					es[j] = &vals[e]
				}
				v.Elems = es
			}
		}
	}
	return &vals[0]
}

// treeMemory returns zeroed memory for the tree on the tape: from the
// arena when there is one (growing it as needed), else freshly allocated.
func (p *parser) treeMemory() (vals []Value, members []Member, elems []*Value) {
	a := p.arena
	if a == nil {
		a = &Arena{}
	}
	if n := len(p.tape); cap(a.vals) < n {
		a.vals = make([]Value, n)
	} else {
		a.vals = a.vals[:n]
	}
	if n := len(p.members); cap(a.members) < n {
		a.members = make([]Member, n)
	} else {
		a.members = a.members[:n]
	}
	if n := len(p.elems); cap(a.elems) < n {
		a.elems = make([]*Value, n)
	} else {
		a.elems = a.elems[:n]
	}
	return a.vals, a.members, a.elems
}

// pos returns the position of the next unread byte.
func (p *parser) pos() Pos { return p.posAt(p.i) }

// posAt returns the position of byte j, which must be on the current line
// with every multi-byte character before it already counted in p.cont.
func (p *parser) posAt(j int) Pos {
	return Pos{Offset: j, Line: p.line, Column: j - p.lineStart - p.cont + 1}
}

func (p *parser) errAt(pos Pos, msg string) error { return &SyntaxError{Pos: pos, Msg: msg} }

func (p *parser) skipWS() {
	d := p.data
	for i := p.i; i < len(d); i++ {
		switch d[i] {
		case ' ', '\t', '\r':
		case '\n':
			p.line++
			p.lineStart = i + 1
			p.cont = 0
		default:
			p.i = i
			return
		}
	}
	p.i = len(d)
}

// push appends a node to the tape and returns its index.
func (p *parser) push(k Kind, pos Pos) int {
	p.tape = append(p.tape, node{kind: k, pos: pos})
	return len(p.tape) - 1
}

// parseValue parses the value at p.i and returns its tape index.
func (p *parser) parseValue() (int, error) {
	if p.i >= len(p.data) {
		return 0, p.eofError()
	}
	pos := p.pos()
	switch c := p.data[p.i]; {
	case c == '"':
		s, err := p.parseString(pos)
		if err != nil {
			return 0, err
		}
		p.tape = append(p.tape, node{kind: KindString, pos: pos, text: s})
		return len(p.tape) - 1, nil
	case c == '{':
		return p.parseObject(pos)
	case c == '[':
		return p.parseArray(pos)
	case c == '-' || c >= '0' && c <= '9' || c == '+' || c == '.':
		return p.parseNumber(pos)
	case isWordByte(c):
		return p.parseWord(pos)
	}
	return 0, p.unexpected("expected a value")
}

func (p *parser) tooDeep(pos Pos) error {
	return p.errAt(pos, fmt.Sprintf("nesting too deep: more than %d levels of arrays and objects", MaxDepth))
}

func (p *parser) parseObject(pos Pos) (int, error) {
	if p.depth >= MaxDepth {
		return 0, p.tooDeep(pos)
	}
	p.depth++
	idx := p.push(KindObject, pos)
	p.path = append(p.path, frame{pos: pos, kind: KindObject})
	fi := len(p.path) - 1
	base := len(p.scratchM)
	var index map[string]int // key → member number, for large objects only
	d := p.data
	p.i++
	p.skipWS()
	if p.i < len(d) && d[p.i] == '}' {
		p.i++
	} else {
		var comma Pos // the last comma read, for a trailing-comma error
		for {
			if p.i >= len(d) {
				return 0, p.eofError()
			}
			if d[p.i] != '"' {
				switch {
				case comma.Line == 0:
					return 0, p.unexpected("expected a string key or '}'")
				case d[p.i] == '}':
					return 0, p.errAt(comma, "trailing comma before '}': remove it")
				default:
					return 0, p.unexpected("expected a string key after ','")
				}
			}
			keyPos := p.pos()
			key, err := p.parseString(keyPos)
			if err != nil {
				return 0, err
			}
			p.skipWS()
			if p.i >= len(d) {
				return 0, p.eofError()
			}
			if d[p.i] != ':' {
				return 0, p.unexpected(fmt.Sprintf("expected ':' after object key %q", key))
			}
			p.i++
			p.skipWS()
			p.path[fi].key = key
			val, err := p.parseValue()
			if err != nil {
				return 0, err
			}

			collected := p.scratchM[base:]
			k := -1
			if index != nil {
				if j, ok := index[key]; ok {
					k = j
				}
			} else {
				for j := range collected {
					if collected[j].key == key {
						k = j
						break
					}
				}
			}
			if k >= 0 {
				e := &collected[k]
				p.diags = append(p.diags, Diagnostic{Pos: keyPos, FirstPos: e.first, Key: key, Pointer: framesPointer(p.path)})
				e.keyPos, e.value = keyPos, val
			} else {
				p.scratchM = append(p.scratchM, memberEntry{tapeMember: tapeMember{key: key, keyPos: keyPos, value: val}, first: keyPos})
				n := len(p.scratchM) - base
				if index != nil {
					index[key] = n - 1
				} else if n > largeObject {
					index = make(map[string]int, 2*n)
					for j, e := range p.scratchM[base:] {
						index[e.key] = j
					}
				}
			}

			end := p.pos()
			p.skipWS()
			if p.i >= len(d) {
				return 0, p.eofError()
			}
			if d[p.i] == ',' {
				comma = p.pos()
				p.i++
				p.skipWS()
				continue
			}
			if d[p.i] == '}' {
				p.i++
				break
			}
			if d[p.i] == '"' {
				return 0, p.missingComma(end, "expected ',' or '}' after object member (missing ','?)")
			}
			return 0, p.unexpected("expected ',' or '}' after object member")
		}
	}
	t := &p.tape[idx]
	t.first, t.n = len(p.members), len(p.scratchM)-base
	for _, e := range p.scratchM[base:] {
		p.members = append(p.members, e.tapeMember)
	}
	p.scratchM = p.scratchM[:base]
	p.path = p.path[:fi]
	p.depth--
	return idx, nil
}

func (p *parser) parseArray(pos Pos) (int, error) {
	if p.depth >= MaxDepth {
		return 0, p.tooDeep(pos)
	}
	p.depth++
	idx := p.push(KindArray, pos)
	p.path = append(p.path, frame{pos: pos, kind: KindArray})
	fi := len(p.path) - 1
	base := len(p.scratchE)
	d := p.data
	p.i++
	p.skipWS()
	if p.i < len(d) && d[p.i] == ']' {
		p.i++
	} else {
		var comma Pos
		for {
			if p.i < len(d) && d[p.i] == ']' && comma.Line != 0 {
				return 0, p.errAt(comma, "trailing comma before ']': remove it")
			}
			p.path[fi].index = len(p.scratchE) - base
			el, err := p.parseValue()
			if err != nil {
				return 0, err
			}
			p.scratchE = append(p.scratchE, el)
			end := p.pos()
			p.skipWS()
			if p.i >= len(d) {
				return 0, p.eofError()
			}
			if d[p.i] == ',' {
				comma = p.pos()
				p.i++
				p.skipWS()
				continue
			}
			if d[p.i] == ']' {
				p.i++
				break
			}
			if c := d[p.i]; c == '"' || c == '{' || c == '[' || c == '-' || c >= '0' && c <= '9' {
				return 0, p.missingComma(end, "expected ',' or ']' after array element (missing ','?)")
			}
			return 0, p.unexpected("expected ',' or ']' after array element")
		}
	}
	t := &p.tape[idx]
	t.first, t.n = len(p.elems), len(p.scratchE)-base
	p.elems = append(p.elems, p.scratchE[base:]...)
	p.scratchE = p.scratchE[:base]
	p.path = p.path[:fi]
	p.depth--
	return idx, nil
}

// parseString reads the string whose opening quote is at p.i (and at
// quote) and leaves p.i after its closing quote.
func (p *parser) parseString(quote Pos) (string, error) {
	d := p.data
	start := p.i + 1
	for j := start; j < len(d); j++ {
		c := d[j]
		if c == '"' {
			p.i = j + 1
			return p.src[start:j], nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return p.parseStringSlow(quote, start, j)
		}
	}
	return "", p.errAt(quote, "unterminated string")
}

// parseStringSlow goes on from byte j of a string starting at start, once
// an escape, a control character or a non-ASCII byte turned up.
func (p *parser) parseStringSlow(quote Pos, start, j int) (string, error) {
	d := p.data
	buf := p.buf[:0]
	escaped := false
	for j < len(d) {
		c := d[j]
		switch {
		case c == '"':
			p.i = j + 1
			p.buf = buf
			if escaped {
				return string(buf), nil
			}
			return p.src[start:j], nil
		case c == '\\':
			if !escaped {
				buf = append(buf, d[start:j]...)
				escaped = true
			}
			var err error
			buf, j, err = p.unescape(buf, quote, j)
			if err != nil {
				return "", err
			}
		case c < 0x20:
			return "", p.errAt(p.posAt(j), controlMsg(c))
		case c < utf8.RuneSelf:
			if escaped {
				buf = append(buf, c)
			}
			j++
		default:
			r, size := utf8.DecodeRune(d[j:])
			if r == utf8.RuneError && size == 1 {
				return "", p.errAt(p.posAt(j), invalidUTF8Msg(c))
			}
			if escaped {
				buf = append(buf, d[j:j+size]...)
			}
			p.cont += size - 1
			j += size
		}
	}
	p.buf = buf
	return "", p.errAt(quote, "unterminated string")
}

const validEscapes = `(valid escapes: \" \\ \/ \b \f \n \r \t \uXXXX)`

// unescape decodes the escape whose backslash is at d[j], appends it to buf
// and returns the offset after it.
func (p *parser) unescape(buf []byte, quote Pos, j int) ([]byte, int, error) {
	d := p.data
	if j+1 >= len(d) {
		return buf, j, p.errAt(quote, "unterminated string")
	}
	switch c := d[j+1]; c {
	case '"', '\\', '/':
		return append(buf, c), j + 2, nil
	case 'b':
		return append(buf, '\b'), j + 2, nil
	case 'f':
		return append(buf, '\f'), j + 2, nil
	case 'n':
		return append(buf, '\n'), j + 2, nil
	case 'r':
		return append(buf, '\r'), j + 2, nil
	case 't':
		return append(buf, '\t'), j + 2, nil
	case 'u':
		r, ok := hex4(d, j+2)
		if !ok {
			return buf, j, p.errAt(p.posAt(j), badUnicodeEscapeMsg(d, j))
		}
		if !utf16.IsSurrogate(r) {
			return utf8.AppendRune(buf, r), j + 6, nil
		}
		if r >= 0xDC00 {
			return buf, j, p.errAt(p.posAt(j), fmt.Sprintf(`lone surrogate %s in string: a low surrogate escape must follow a high one (\ud800-\udbff)`, d[j:j+6]))
		}
		if j+7 < len(d) && d[j+6] == '\\' && d[j+7] == 'u' {
			r2, ok := hex4(d, j+8)
			if !ok {
				return buf, j, p.errAt(p.posAt(j+6), badUnicodeEscapeMsg(d, j+6))
			}
			if r2 >= 0xDC00 && r2 <= 0xDFFF {
				return utf8.AppendRune(buf, utf16.DecodeRune(r, r2)), j + 12, nil
			}
		}
		return buf, j, p.errAt(p.posAt(j), fmt.Sprintf(`lone surrogate %s in string: a high surrogate escape must be followed by a low one (\udc00-\udfff)`, d[j:j+6]))
	default:
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(d[j+1:])
			if r == utf8.RuneError && size == 1 {
				return buf, j, p.errAt(p.posAt(j+1), invalidUTF8Msg(c))
			}
			return buf, j, p.errAt(p.posAt(j), fmt.Sprintf(`invalid escape \%c %s`, r, validEscapes))
		}
		if c < 0x20 || c == 0x7F {
			return buf, j, p.errAt(p.posAt(j), fmt.Sprintf(`invalid escape: '\' followed by U+%04X %s`, c, validEscapes))
		}
		return buf, j, p.errAt(p.posAt(j), fmt.Sprintf(`invalid escape \%c %s`, c, validEscapes))
	}
}

// hex4 decodes the four hex digits at d[i:].
func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func badUnicodeEscapeMsg(d []byte, j int) string {
	end := j + 2
	for end < len(d) && end < j+6 && d[end] > ' ' && d[end] < 0x7F && d[end] != '"' && d[end] != '\\' {
		end++
	}
	return fmt.Sprintf(`invalid escape %s: \u must be followed by four hex digits`, d[j:end])
}

func controlMsg(c byte) string {
	msg := fmt.Sprintf("control character U+%04X in string", c)
	switch c {
	case '\n':
		return msg + ` (a string cannot span lines: close it with '"' or write the line break as \n)`
	case '\t':
		return msg + ` (write a tab as \t)`
	case '\r':
		return msg + ` (write a carriage return as \r)`
	}
	return msg + fmt.Sprintf(` (write it as \u%04x)`, c)
}

func invalidUTF8Msg(b byte) string {
	return fmt.Sprintf("invalid UTF-8 byte 0x%02X: the file must be UTF-8 encoded", b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// isNumberish reports bytes that, right after a number, belong to the same
// mistyped token: 1.2.3, 0x1F, 1e, 12abc.
func isNumberish(c byte) bool {
	return isDigit(c) || isWordByte(c) || c == '.' || c == '+' || c == '-'
}

func (p *parser) parseNumber(pos Pos) (int, error) {
	d := p.data
	j := p.i
	if d[j] == '-' {
		j++
	}
	switch {
	case j < len(d) && d[j] == '0':
		j++
	case j < len(d) && d[j] >= '1' && d[j] <= '9':
		j++
		for j < len(d) && isDigit(d[j]) {
			j++
		}
	default:
		return 0, p.badNumber(pos)
	}
	if j < len(d) && d[j] == '.' {
		j++
		if j >= len(d) || !isDigit(d[j]) {
			return 0, p.badNumber(pos)
		}
		for j < len(d) && isDigit(d[j]) {
			j++
		}
	}
	if j < len(d) && (d[j] == 'e' || d[j] == 'E') {
		j++
		if j < len(d) && (d[j] == '+' || d[j] == '-') {
			j++
		}
		if j >= len(d) || !isDigit(d[j]) {
			return 0, p.badNumber(pos)
		}
		for j < len(d) && isDigit(d[j]) {
			j++
		}
	}
	if j < len(d) && isNumberish(d[j]) {
		return 0, p.badNumber(pos)
	}
	p.tape = append(p.tape, node{kind: KindNumber, pos: pos, text: p.src[p.i:j]})
	p.i = j
	return len(p.tape) - 1, nil
}

// badNumber reports the malformed number at p.i, quoting all of it.
func (p *parser) badNumber(pos Pos) error {
	d := p.data
	end := p.i + 1
	for end < len(d) && isNumberish(d[end]) {
		end++
	}
	return p.errAt(pos, fmt.Sprintf("invalid number %s", quoteToken(d[p.i:end])))
}

// parseWord reads true, false or null, or reports the bare word found.
func (p *parser) parseWord(pos Pos) (int, error) {
	d := p.data
	end := p.i
	for end < len(d) && (isWordByte(d[end]) || isDigit(d[end])) {
		end++
	}
	word := d[p.i:end]
	n := node{pos: pos}
	switch string(word) {
	case "true":
		n.kind, n.b = KindBool, true
	case "false":
		n.kind = KindBool
	case "null":
		n.kind = KindNull
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			switch {
			case len(word) == len(lit) && equalFoldASCII(word, lit):
				return 0, p.errAt(pos, fmt.Sprintf("invalid literal %s: JSON literals are lower case, write %s", quoteToken(word), lit))
			case len(word) < len(lit) && string(word) == lit[:len(word)]:
				return 0, p.errAt(pos, fmt.Sprintf("incomplete literal %s: expected %s", quoteToken(word), lit))
			}
		}
		return 0, p.errAt(pos, fmt.Sprintf("invalid value %s: strings must be in double quotes", quoteToken(word)))
	}
	p.i = end
	p.tape = append(p.tape, n)
	return len(p.tape) - 1, nil
}

func equalFoldASCII(b []byte, s string) bool {
	for i := range b {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
	}
	return true
}

// quoteToken quotes an ASCII token for a message, shortened when long.
func quoteToken(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%q...", b[:40])
	}
	return fmt.Sprintf("%q", b)
}

// unexpected reports the byte at p.i, which does not fit what was expected.
// missingComma reports a member or element that follows another without a
// comma. When the next one starts on a later line, the comma belongs at the
// end of the previous value (end), so that is where the finding points;
// the message says where the next one starts.
func (p *parser) missingComma(end Pos, expected string) error {
	if end.Line == 0 || end.Line == p.line {
		return p.unexpected(expected)
	}
	next := p.pos()
	return p.errAt(end, fmt.Sprintf("missing ',' at the end of this line: the next %s starts at line %d, column %d", map[bool]string{true: "member", false: "element"}[strings.Contains(expected, "member")], next.Line, next.Column))
}

func (p *parser) unexpected(expected string) error {
	if p.i >= len(p.data) {
		return p.eofError()
	}
	if err := p.checkUTF8(p.i); err != nil {
		return err
	}
	c := p.data[p.i]
	r, _ := utf8.DecodeRune(p.data[p.i:])
	got := describeRune(r)
	switch {
	case c == '/':
		return p.errAt(p.pos(), "comments are not allowed in JSON")
	case c == '\'':
		got += " (JSON strings and keys take double quotes)"
	case isWordByte(c) && strings.HasPrefix(expected, "expected a string key"):
		got += " (keys must be in double quotes)"
	}
	return p.errAt(p.pos(), expected+", got "+got)
}

// checkUTF8 reports invalid UTF-8 at byte i.
func (p *parser) checkUTF8(i int) error {
	if c := p.data[i]; c >= utf8.RuneSelf {
		if r, size := utf8.DecodeRune(p.data[i:]); r == utf8.RuneError && size == 1 {
			return p.errAt(p.posAt(i), invalidUTF8Msg(c))
		}
	}
	return nil
}

func describeRune(r rune) string {
	switch {
	case r == '\'':
		return `"'"`
	case r < utf8.RuneSelf && unicode.IsPrint(r):
		return fmt.Sprintf("'%c'", r)
	case unicode.IsPrint(r) && !unicode.IsSpace(r):
		return fmt.Sprintf("'%c' (U+%04X)", r, r)
	}
	return fmt.Sprintf("U+%04X", r)
}

// eofError reports the end of input where more was expected, naming the
// innermost container left open.
func (p *parser) eofError() error {
	msg := "unexpected end of input"
	if n := len(p.path); n > 0 {
		f := p.path[n-1]
		msg += fmt.Sprintf(" (the %s opened at line %d, column %d is not closed)", f.kind, f.pos.Line, f.pos.Column)
	}
	return p.errAt(p.pos(), msg)
}
