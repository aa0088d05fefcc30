package entity

import (
	"strconv"
	"strings"
)

// parseYAMLFast parses the simple YAML most port.yml files are written in,
// in a fraction of a full parse, and gives exactly the tree ParseYAML
// gives: the same values, kinds, ambiguities and positions. ok is false
// for anything outside the shape, valid or not, which ParseYAML then reads
// in full (and explains, when it is wrong).
//
// The shape: ASCII text without tabs, lone carriage returns, directives,
// document markers, anchors, aliases or tags; block mappings and block
// sequences (also indentless ones under a key, and "- key: value" items);
// as values, plain scalars on one line, single- or double-quoted scalars on
// one line (common escapes only), literal blocks (| and |-), and flow
// sequences and mappings of such scalars on one line; comments. Plain
// scalars are resolved as yaml/v3 does only where that is certain (null,
// booleans, JSON numbers, text that cannot be a number or a timestamp);
// anything doubtful, a duplicate key and an empty value are left to the
// full parse. TestYAMLFastAgrees and FuzzYAMLFast check the agreement.
func parseYAMLFast(data []byte) (*Value, bool) {
	for _, b := range data {
		if b >= 0x7F || b < 0x20 && b != '\n' && b != '\r' {
			return nil, false
		}
	}
	p := &fastYAML{src: string(data)}
	if !p.splitLines() {
		return nil, false
	}
	li := p.skip(0)
	if li == len(p.lines) {
		return nil, false
	}
	root, next, ok := p.block(li, p.lines[li].indent, 0)
	if !ok || p.skip(next) != len(p.lines) {
		return nil, false
	}
	return root, true
}

// fastYAML is the state of one parseYAMLFast.
type fastYAML struct {
	src    string
	lines  []fastLine
	values int
	slab   []Value
}

// fastLine is one line: where it starts, its indentation, where its text
// ends (before "\r\n" or "\n"), and whether it holds only spaces or a
// comment.
type fastLine struct {
	start, indent, end int
	blank              bool
}

const fastMaxDepth = 64

func (p *fastYAML) splitLines() bool {
	s := p.src
	for start := 0; start < len(s); {
		end := strings.IndexByte(s[start:], '\n')
		next := 0
		if end < 0 {
			end, next = len(s), len(s)
		} else {
			end += start
			next = end + 1
		}
		text := s[start:end]
		if next > end && strings.HasSuffix(text, "\r") {
			text = text[:len(text)-1]
			end--
		}
		if strings.IndexByte(text, '\r') >= 0 {
			return false
		}
		ind := 0
		for ind < len(text) && text[ind] == ' ' {
			ind++
		}
		rest := text[ind:]
		if ind == 0 && (strings.HasPrefix(rest, "---") || strings.HasPrefix(rest, "...") || strings.HasPrefix(rest, "%")) {
			return false
		}
		p.lines = append(p.lines, fastLine{start: start, indent: ind, end: end, blank: rest == "" || rest[0] == '#'})
		start = next
	}
	return true
}

// skip returns the first line at or after li that holds more than a
// comment or spaces.
func (p *fastYAML) skip(li int) int {
	for li < len(p.lines) && p.lines[li].blank {
		li++
	}
	return li
}

func (p *fastYAML) pos(off int) Pos {
	// Lines are few and ASCII: find the line by search.
	lo, hi := 0, len(p.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if p.lines[mid].start <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return Pos{Offset: off, Line: lo + 1, Column: off - p.lines[lo].start + 1}
}

func (p *fastYAML) newValue(off int) (*Value, bool) {
	p.values++
	if p.values > MaxYAMLValues {
		return nil, false
	}
	// Values come from slabs: one allocation for many small values.
	if len(p.slab) == 0 {
		p.slab = make([]Value, 32)
	}
	v := &p.slab[0]
	p.slab = p.slab[1:]
	v.Pos = p.pos(off)
	return v, true
}

// block parses the block node whose first line is li, starting at column
// col (0-based; the line's indentation, or further right after "- ").
func (p *fastYAML) block(li, col, depth int) (*Value, int, bool) {
	if depth > fastMaxDepth {
		return nil, 0, false
	}
	l := p.lines[li]
	rest := p.src[l.start+col : l.end]
	if rest == "-" || strings.HasPrefix(rest, "- ") {
		return p.sequence(li, col, depth)
	}
	return p.mapping(li, col, depth)
}

// mapping parses a block mapping whose keys are at column col; its first
// key is on line li.
func (p *fastYAML) mapping(li, col, depth int) (*Value, int, bool) {
	l := p.lines[li]
	v, ok := p.newValue(l.start + col)
	if !ok {
		return nil, 0, false
	}
	v.Kind = KindObject
	var keys keySet
	first := true
	for {
		if !first {
			li = p.skip(li)
			if li == len(p.lines) || p.lines[li].indent < col {
				break
			}
			if p.lines[li].indent > col {
				return nil, 0, false
			}
		}
		first = false
		l = p.lines[li]
		line := p.src[:l.end]
		off := l.start + col
		key, keyOff, after, ok := p.blockKey(line, off)
		if !ok {
			return nil, 0, false
		}
		if !keys.add(v.Members, key) {
			return nil, 0, false // duplicates: the full parse reports them
		}
		val, next, ok := p.valueAfter(li, after, col, depth)
		if !ok {
			return nil, 0, false
		}
		v.Members = append(v.Members, Member{Key: key, KeyPos: p.pos(keyOff), Value: val})
		li = next
	}
	return v, li, true
}

// sequence parses a block sequence whose dashes are at column col.
func (p *fastYAML) sequence(li, col, depth int) (*Value, int, bool) {
	l := p.lines[li]
	v, ok := p.newValue(l.start + col)
	if !ok {
		return nil, 0, false
	}
	v.Kind = KindArray
	first := true
	for {
		if !first {
			li = p.skip(li)
			if li == len(p.lines) || p.lines[li].indent < col {
				break
			}
			if p.lines[li].indent > col {
				return nil, 0, false
			}
		}
		first = false
		l = p.lines[li]
		rest := p.src[l.start+col : l.end]
		if rest != "-" && !strings.HasPrefix(rest, "- ") {
			break // a key of the mapping that holds an indentless sequence
		}
		// The item starts after the dash and its spaces.
		c := col + 1
		for l.start+c < l.end && p.src[l.start+c] == ' ' {
			c++
		}
		var (
			el   *Value
			next int
		)
		text := p.src[l.start+c : l.end]
		switch {
		case text == "" || text[0] == '#':
			return nil, 0, false // an item on the next lines, or null
		case text[0] == '-':
			return nil, 0, false // a sequence in a sequence
		case p.looksLikeKey(p.src[:l.end], l.start+c):
			el, next, ok = p.mapping(li, c, depth+1)
		default:
			el, next, ok = p.valueAfter(li, l.start+c, col, depth)
		}
		if !ok {
			return nil, 0, false
		}
		v.Elems = append(v.Elems, el)
		li = next
	}
	return v, li, true
}

// valueAfter parses the value that starts at offset off of line li (after
// "key:" or "- "), for a node whose parent is at column col; it returns
// the line after the value.
func (p *fastYAML) valueAfter(li, off, col, depth int) (*Value, int, bool) {
	l := p.lines[li]
	for off < l.end && p.src[off] == ' ' {
		off++
	}
	if off == l.end || p.src[off] == '#' {
		if off < l.end && p.src[off-1] != ' ' {
			return nil, 0, false
		}
		// A nested block on the next lines.
		n := p.skip(li + 1)
		if n == len(p.lines) {
			return nil, 0, false
		}
		nl := p.lines[n]
		rest := p.src[nl.start+nl.indent : nl.end]
		isSeq := rest == "-" || strings.HasPrefix(rest, "- ")
		switch {
		case nl.indent > col:
		case nl.indent == col && isSeq && !p.inSequence(li, col):
		default:
			return nil, 0, false // an empty value: null, left to the full parse
		}
		return p.block(n, nl.indent, depth+1)
	}
	if p.src[off] == '|' {
		return p.literal(li, off, col)
	}
	v, end, ok := p.inline(off, l.end, false, depth)
	if !ok || !p.restIsComment(end, l.end) {
		return nil, 0, false
	}
	// A more indented line after a one-line value would continue it.
	if n := p.skip(li + 1); n < len(p.lines) && p.lines[n].indent > col {
		return nil, 0, false
	}
	return v, li + 1, true
}

// inSequence reports whether line li is an item of a block sequence at
// column col: then a dash at col on a later line is its next item, not a
// value.
func (p *fastYAML) inSequence(li, col int) bool {
	l := p.lines[li]
	return l.indent == col && p.src[l.start+col] == '-'
}

// restIsComment reports whether s[i:end] is spaces, then nothing or a
// comment after a space.
func (p *fastYAML) restIsComment(i, end int) bool {
	j := i
	for j < end && p.src[j] == ' ' {
		j++
	}
	return j == end || p.src[j] == '#' && j > i
}

// looksLikeKey reports whether a block mapping key starts at off.
func (p *fastYAML) looksLikeKey(line string, off int) bool {
	_, _, _, ok := p.blockKey(line, off)
	return ok
}

// blockKey reads "key:" at off (a plain key of simple characters, or a
// quoted one) and returns the key, where it starts and where its value
// starts (after the colon).
func (p *fastYAML) blockKey(line string, off int) (key string, keyOff, after int, ok bool) {
	if off >= len(line) {
		return "", 0, 0, false
	}
	var end int
	switch c := line[off]; {
	case c == '"' || c == '\'':
		key, end, ok = p.quoted(off, len(line))
		if !ok {
			return "", 0, 0, false
		}
	case isPlainKeyStart(c):
		end = off + 1
		for end < len(line) && isPlainKeyByte(line[end]) {
			end++
		}
		key = line[off:end]
	default:
		return "", 0, 0, false
	}
	if end >= len(line) || line[end] != ':' || end+1 < len(line) && line[end+1] != ' ' {
		return "", 0, 0, false
	}
	return key, off, end + 1, true
}

// isFlowPlainByte reports the bytes the fast path accepts in a plain
// scalar inside [...] or {...}: a narrow set, since indicators there end
// or change the scalar.
func isFlowPlainByte(c byte) bool {
	return isPlainKeyByte(c) || c == ' ' || c == ':' || c == '~' || c == '%' || c == '(' || c == ')' || c == '=' || c == ';'
}

func isPlainKeyStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '/'
}

func isPlainKeyByte(c byte) bool {
	return isPlainKeyStart(c) || c == '-' || c == '.' || c == '@' || c == '+' || c == '$'
}

// inline parses a one-line value in s[off:end]: a quoted or plain scalar,
// or (outside flow) a flow sequence or mapping of scalars. It returns where
// the value ends.
func (p *fastYAML) inline(off, end int, inFlow bool, depth int) (*Value, int, bool) {
	c := p.src[off]
	switch {
	case c == '"' || c == '\'':
		s, e, ok := p.quoted(off, end)
		if !ok {
			return nil, 0, false
		}
		v, ok := p.newValue(off)
		if !ok {
			return nil, 0, false
		}
		v.Kind, v.Str = KindString, s
		return v, e, true
	case c == '[' && !inFlow:
		return p.flowSeq(off, end, depth)
	case c == '{' && !inFlow:
		return p.flowMap(off, end, depth)
	}
	e := off
	for e < end {
		b := p.src[e]
		if b == ':' && (e+1 == end || p.src[e+1] == ' ' || inFlow && strings.IndexByte(",[]{}", p.src[e+1]) >= 0) {
			return nil, 0, false
		}
		if b == '#' && e > off && p.src[e-1] == ' ' {
			break
		}
		if b == '[' || b == ']' || b == '{' || b == '}' {
			if !inFlow {
				return nil, 0, false
			}
			break
		}
		if b == ',' && inFlow {
			break
		}
		if inFlow && !isFlowPlainByte(b) {
			return nil, 0, false
		}
		e++
	}
	textEnd := e
	for textEnd > off && p.src[textEnd-1] == ' ' {
		textEnd--
	}
	v, ok := p.newValue(off)
	if !ok || !resolvePlain(p.src[off:textEnd], v) {
		return nil, 0, false
	}
	return v, textEnd, true
}

// flowSeq parses "[a, 'b', 3]" on one line.
func (p *fastYAML) flowSeq(off, end, depth int) (*Value, int, bool) {
	v, ok := p.newValue(off)
	if !ok {
		return nil, 0, false
	}
	v.Kind = KindArray
	i := p.spaces(off+1, end)
	if i < end && p.src[i] == ']' {
		return v, i + 1, true
	}
	for {
		if i >= end || strings.IndexByte(",]#[{}", p.src[i]) >= 0 {
			return nil, 0, false
		}
		el, e, ok := p.inline(i, end, true, depth+1)
		if !ok {
			return nil, 0, false
		}
		v.Elems = append(v.Elems, el)
		i = p.spaces(e, end)
		if i >= end {
			return nil, 0, false
		}
		switch p.src[i] {
		case ',':
			i = p.spaces(i+1, end)
		case ']':
			return v, i + 1, true
		default:
			return nil, 0, false
		}
	}
}

// flowMap parses "{a: 1, 'b': x}" on one line.
func (p *fastYAML) flowMap(off, end, depth int) (*Value, int, bool) {
	v, ok := p.newValue(off)
	if !ok {
		return nil, 0, false
	}
	v.Kind = KindObject
	var keys keySet
	i := p.spaces(off+1, end)
	if i < end && p.src[i] == '}' {
		return v, i + 1, true
	}
	for {
		if i >= end {
			return nil, 0, false
		}
		var key string
		keyOff := i
		switch c := p.src[i]; {
		case c == '"' || c == '\'':
			k, e, ok := p.quoted(i, end)
			if !ok {
				return nil, 0, false
			}
			key, i = k, e
		case isPlainKeyStart(c):
			e := i + 1
			for e < end && isPlainKeyByte(p.src[e]) {
				e++
			}
			key, i = p.src[i:e], e
		default:
			return nil, 0, false
		}
		if i+1 >= end || p.src[i] != ':' || p.src[i+1] != ' ' {
			return nil, 0, false
		}
		if !keys.add(v.Members, key) {
			return nil, 0, false
		}
		i = p.spaces(i+1, end)
		if i >= end || strings.IndexByte(",}#[{]", p.src[i]) >= 0 {
			return nil, 0, false
		}
		val, e, ok := p.inline(i, end, true, depth+1)
		if !ok {
			return nil, 0, false
		}
		v.Members = append(v.Members, Member{Key: key, KeyPos: p.pos(keyOff), Value: val})
		i = p.spaces(e, end)
		if i >= end {
			return nil, 0, false
		}
		switch p.src[i] {
		case ',':
			i = p.spaces(i+1, end)
		case '}':
			return v, i + 1, true
		default:
			return nil, 0, false
		}
	}
}

// keySet finds repeated keys of one mapping: by a scan while the mapping
// is small, as entity mappings are, by a map beyond that.
type keySet struct {
	index map[string]struct{}
}

// add reports false when members already hold key; key is the member
// about to be appended.
func (k *keySet) add(members []Member, key string) bool {
	if k.index == nil && len(members) < 32 {
		for i := range members {
			if members[i].Key == key {
				return false
			}
		}
		return true
	}
	if k.index == nil {
		k.index = make(map[string]struct{}, 2*len(members))
		for i := range members {
			k.index[members[i].Key] = struct{}{}
		}
	}
	if _, dup := k.index[key]; dup {
		return false
	}
	k.index[key] = struct{}{}
	return true
}

func (p *fastYAML) spaces(i, end int) int {
	for i < end && p.src[i] == ' ' {
		i++
	}
	return i
}

// quoted decodes a single- or double-quoted scalar that closes before end.
func (p *fastYAML) quoted(off, end int) (string, int, bool) {
	q := p.src[off]
	// Most quoted scalars have no escape: return the text itself.
	for i := off + 1; i < end; i++ {
		c := p.src[i]
		if c == q {
			if q == '\'' && i+1 < end && p.src[i+1] == '\'' {
				break
			}
			return p.src[off+1 : i], i + 1, true
		}
		if c == '\\' && q == '"' || c < 0x20 {
			break
		}
	}
	var b strings.Builder
	for i := off + 1; i < end; i++ {
		c := p.src[i]
		switch {
		case c == q && q == '\'':
			if i+1 < end && p.src[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), i + 1, true
		case c == q:
			return b.String(), i + 1, true
		case c == '\\' && q == '"':
			if i+1 >= end {
				return "", 0, false
			}
			i++
			switch p.src[i] {
			case '\\', '"':
				b.WriteByte(p.src[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				return "", 0, false
			}
		case c < 0x20:
			return "", 0, false
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// literal parses a literal block scalar ("|" or "|-") whose indicator is
// at off on line li, under a node at column col.
func (p *fastYAML) literal(li, off, col int) (*Value, int, bool) {
	l := p.lines[li]
	head := p.src[off:l.end]
	strip := false
	switch strings.TrimRight(head, " ") {
	case "|":
	case "|-":
		strip = true
	default:
		return nil, 0, false
	}
	v, ok := p.newValue(off)
	if !ok {
		return nil, 0, false
	}
	n := li + 1
	if n == len(p.lines) {
		return nil, 0, false
	}
	first := p.lines[n]
	if first.indent == first.end-first.start || first.indent <= col {
		return nil, 0, false // leading blank lines or no content: the full parse
	}
	ind := first.indent
	var b strings.Builder
	pendingBlank := 0
	wrote := false
	last := n
	for ; n < len(p.lines); n++ {
		ln := p.lines[n]
		width := ln.end - ln.start
		if ln.indent == width { // only spaces
			if width > ind {
				return nil, 0, false
			}
			pendingBlank++
			continue
		}
		if ln.indent < ind {
			if ln.indent > col && p.src[ln.start+ln.indent] != '#' {
				return nil, 0, false
			}
			break
		}
		if wrote {
			b.WriteByte('\n')
		}
		wrote = true
		for ; pendingBlank > 0; pendingBlank-- {
			b.WriteByte('\n')
		}
		b.WriteString(p.src[ln.start+ind : ln.end])
		last = n
	}
	if p.lines[last].end == len(p.src) {
		return nil, 0, false // no line break after the content
	}
	if !strip {
		b.WriteByte('\n')
	}
	v.Kind, v.Str = KindString, b.String()
	return v, last + 1, true
}

// numberBytes are the bytes a YAML number or timestamp is written with.
const numberBytes = "0123456789abcdefABCDEFxXoObB._+-:TtZz "

// resolvePlain fills v from a plain scalar as yaml/v3 and ParseYAML read
// it, or reports false when that is not certain here.
func resolvePlain(text string, v *Value) bool {
	if text == "" {
		return false
	}
	switch text {
	case "~", "null", "Null", "NULL":
		v.Kind = KindNull
		return true
	}
	if b, ok := yamlBool(text); ok {
		v.Kind, v.Bool = KindBool, b
		return true
	}
	c := text[0]
	switch {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '/' || c == '~':
	case c >= '0' && c <= '9' || (c == '-' || c == '+') && len(text) > 1 && text[1] >= '0' && text[1] <= '9':
		if plainInt(text) {
			// Digits without a leading zero: no reader disagrees on them.
			v.Kind, v.Num = KindNumber, text
			return true
		}
		if jsonNumber().MatchString(text) { // which allows no leading zero
			// yaml/v3 reads a number out of float64's range as a string.
			if _, err := strconv.ParseFloat(text, 64); err != nil {
				return false
			}
			v.Kind, v.Num = KindNumber, text
			v.Ambiguity = yamlAmbiguity(text, KindNumber)
			return true
		}
		// Text that no YAML number or timestamp can be: a byte outside
		// those they are written with.
		if strings.Trim(text, numberBytes) == "" {
			return false
		}
		if c == '+' {
			return false
		}
	default:
		return false
	}
	v.Kind, v.Str = KindString, text
	// Only yes/no/on/off among words, and text with a digit first, can be
	// read otherwise by YAML 1.1.
	if len(text) <= 3 || c >= '0' && c <= '9' || c == '-' {
		v.Ambiguity = yamlAmbiguity(text, KindString)
	}
	return true
}

// plainInt reports an integer of at most 18 digits, without a leading zero
// or a sign other than '-': JSON, int64, and the same in YAML 1.1 and 1.2.
func plainInt(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || len(s) > 18 || s[0] == '0' && len(s) > 1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
