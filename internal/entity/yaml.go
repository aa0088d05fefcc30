package entity

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Rule names of the findings ParseYAML makes besides "duplicate-key".
const (
	RuleYAMLSyntax            = "yaml-syntax"             // not valid YAML, or not representable as JSON
	RuleYAMLMultipleDocuments = "yaml-multiple-documents" // a second document; Port reads only the first
	RuleYAMLTabIndent         = "yaml-tab-indent"         // a tab in a line's indentation
	RuleYAMLAmbiguousScalar   = "yaml-ambiguous-scalar"   // a plain scalar YAML 1.1 reads otherwise (see Ambiguity)
)

// Ambiguity says how YAML 1.1, which Port's Python-based integrations read
// (PyYAML), reads a plain (unquoted, untagged) scalar differently from
// ParseYAML, which reads YAML 1.2's core schema as yaml/v3 resolves it. It is
// a fact about the text; whether it matters depends on what the blueprint
// expects there, which ScalarPitfall decides.
type Ambiguity uint8

// The ambiguities of a plain scalar. AmbiguityNone is the zero value and
// the only one a JSON file or a quoted YAML scalar ever has.
const (
	AmbiguityNone Ambiguity = iota
	// AmbiguityBool: yes, no, on, off (any of their YAML 1.1 spellings) are
	// booleans in YAML 1.1 and strings here. y and n are not flagged: the
	// YAML 1.1 spec lists them but PyYAML reads them as strings too.
	AmbiguityBool
	// AmbiguityTimestamp: 2026-01-31 or 2026-01-31T10:00:00Z is a timestamp
	// in YAML 1.1 (a date object, re-serialized by whoever reads it) and a
	// string here.
	AmbiguityTimestamp
	// AmbiguitySexagesimal: 12:30 or 1:02:03.5 is a base-60 number in
	// YAML 1.1 (750) and a string here.
	AmbiguitySexagesimal
	// AmbiguityOctal: an integer with a leading zero (0755) is octal in
	// YAML 1.1 and in yaml/v3 (493), decimal in YAML 1.2 (755), and a
	// string for 08 or 09 in YAML 1.1. The readers disagree on the number.
	AmbiguityOctal
	// AmbiguityString: a number here that YAML 1.1 reads as a string:
	// 1e3 (YAML 1.1 needs a dot and a signed exponent), 0o17.
	AmbiguityString
	// AmbiguityNumberText: a number whose text has a zero after the dot
	// that the number loses (1.10, 2.0): the same number everywhere, but
	// if a string such as a version was meant, it is 1.1 or 2 on arrival.
	AmbiguityNumberText
)

// String names the ambiguity for messages and tests.
func (a Ambiguity) String() string {
	switch a {
	case AmbiguityNone:
		return "none"
	case AmbiguityBool:
		return "bool"
	case AmbiguityTimestamp:
		return "timestamp"
	case AmbiguitySexagesimal:
		return "sexagesimal"
	case AmbiguityOctal:
		return "octal"
	case AmbiguityString:
		return "string"
	case AmbiguityNumberText:
		return "number-text"
	}
	return fmt.Sprintf("Ambiguity(%d)", uint8(a))
}

// ScalarPitfall decides whether v, a value of a YAML file, is a pitfall at
// a place where a schema allows the JSON Schema types in types ("string",
// "number", "integer", "boolean", "object", "array", "null"; none means
// any type), and returns the finding's message, or "" when there is
// nothing to say. The rule is RuleYAMLAmbiguousScalar. The decision:
//
//   - octal (0755): always, since the readers disagree on the number itself;
//   - bool, timestamp, sexagesimal (the value here is a string): when a
//     string is allowed, since YAML 1.1 sends another type or value; for
//     bool also when only a boolean is allowed, to say which one was meant;
//     otherwise the type check reports it already;
//   - string (1e3, the value here is a number): when a number is allowed
//     and a string is not, since YAML 1.1 sends a string there;
//   - number text (1.10): when a string is allowed and a number is not:
//     the type check reports a number, and the finding says to quote it.
func ScalarPitfall(v *Value, types []string) string {
	if v == nil || v.Ambiguity == AmbiguityNone {
		return ""
	}
	allows := func(t string) bool {
		if len(types) == 0 {
			return true
		}
		for _, x := range types {
			if x == t || t == "number" && x == "integer" {
				return true
			}
		}
		return false
	}
	text := v.Str
	if v.Kind == KindNumber {
		text = v.Num
	}
	str, num := allows("string"), allows("number")
	switch v.Ambiguity {
	case AmbiguityOctal:
		return fmt.Sprintf("%s is an octal number in YAML 1.1, which Port's Python-based integrations read, and decimal in YAML 1.2: quote the value (%q) for a string, or write it without the leading zero", v.yamlText(), v.yamlText())
	case AmbiguityBool:
		if str {
			return fmt.Sprintf("YAML 1.1, which Port's Python-based integrations read, reads %s as a boolean: quote the value (%q)", text, text)
		}
		if allows("boolean") {
			return fmt.Sprintf("%s is a string in YAML 1.2 and a boolean only in YAML 1.1: write %s", text, yaml11Bool(text))
		}
	case AmbiguityTimestamp:
		if str {
			return fmt.Sprintf("YAML 1.1, which Port's Python-based integrations read, reads %s as a timestamp, not a string: quote the value (%q)", text, text)
		}
	case AmbiguitySexagesimal:
		if str {
			return fmt.Sprintf("YAML 1.1, which Port's Python-based integrations read, reads %s as a base-60 number: quote the value (%q)", text, text)
		}
	case AmbiguityString:
		if num && !str {
			return fmt.Sprintf("YAML 1.1, which Port's Python-based integrations read, reads %s as a string, not a number: write it as a plain decimal number", v.yamlText())
		}
	case AmbiguityNumberText:
		if str && !num {
			return fmt.Sprintf("%s is a number, which drops the trailing zero: quote the value (%q) to keep it a string", text, text)
		}
	}
	return ""
}

// yamlText is the scalar as written when the tree keeps it (strings, JSON
// numbers), else its JSON text.
func (v *Value) yamlText() string {
	if v.Kind == KindString {
		return v.Str
	}
	if v.Str != "" {
		return v.Str
	}
	return v.Num
}

func yaml11Bool(s string) string {
	switch strings.ToLower(s) {
	case "yes", "on":
		return "true"
	}
	return "false"
}

// MaxYAMLValues bounds how many values a YAML file may expand to once its
// aliases are resolved, whatever its size: an alias bomb (a few lines whose
// aliases nest to a billion values) is a finding, not an hour of work.
const MaxYAMLValues = 1 << 20

// ParseYAML parses a YAML entity file into the same tree Parse gives for
// JSON, so that every later check works on it unchanged. YAML is read as
// yaml/v3 resolves it (YAML 1.2's core schema, with 0755 read as octal):
// strings, integers and floats, booleans (true/false in any case), null (~,
// null, nothing), timestamps as strings, as written. Numbers keep their text
// when it is valid JSON; otherwise (+1, 0x1F, 1_000, .5) Num holds the same
// number as JSON text. Anchors, aliases and merge keys (<<) are resolved: an
// alias shares the anchored value, so a finding inside it points where the
// value is written. Keys that are not scalars, .inf and .nan are errors,
// since JSON cannot hold them.
//
// Positions follow Parse's convention: Line counts only '\n' (a lone '\r' is
// a line break to YAML but not here), Column counts characters, and a
// leading byte order mark (which YAML allows) is not counted. A Value's
// position is where its content starts: after an anchor or a tag, the first
// key of a block mapping, the '-' of a block sequence, the quote or '|' of a
// scalar.
//
// The diagnostics hold the duplicate keys (rule "duplicate-key", both
// positions), a second document (RuleYAMLMultipleDocuments: Port reads only
// the first) and tabs in indentation where YAML tolerates them
// (RuleYAMLTabIndent), in document order. Values that YAML 1.1 reads
// otherwise carry an Ambiguity, for ScalarPitfall. The error, when not nil,
// is a *SyntaxError of rule RuleYAMLSyntax; yaml/v3 reports only a line for
// most syntax errors, so its column is the line's first non-blank character
// unless the error is a tab or another character that cannot start a token.
//
// Most port.yml files are simple (block mappings and lists of one-line
// scalars): those are read by a fast path that gives the same tree without
// yaml/v3.
func ParseYAML(data []byte) (*Value, []Diagnostic, error) {
	if v, ok := parseYAMLFast(data); ok {
		return v, nil, nil
	}
	return parseYAMLFull(data)
}

// parseYAMLFull is ParseYAML through yaml/v3, for any input.
func parseYAMLFull(data []byte) (*Value, []Diagnostic, error) {
	c := newYAMLConv(data)
	if len(data) >= 2 && (data[0] == 0xFE && data[1] == 0xFF || data[0] == 0xFF && data[1] == 0xFE) {
		return nil, nil, c.errAt(0, "file starts with a UTF-16 byte order mark: save it as UTF-8")
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			off += size
		}
		return nil, nil, c.errAt(off, invalidUTF8Msg(data[off]))
	}
	dec := yaml.NewDecoder(bytes.NewReader(YAML12Directive(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, c.errAt(0, "file is empty: it holds no YAML document")
		}
		return nil, nil, c.syntaxError(err)
	}
	if len(doc.Content) == 0 {
		return nil, nil, c.errAt(0, "file is empty: it holds no YAML document")
	}
	c.collectAnchorsAndTabs(&doc)
	root, err := c.value(doc.Content[0], 0)
	if err != nil {
		return nil, nil, err
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil && !emptyDocument(&second) || err != nil && !errors.Is(err, io.EOF) {
		c.diags = append(c.diags, c.secondDocument(c.offset(doc.Content[0].Line, doc.Content[0].Column), &second, err))
	}
	c.diags = append(c.diags, c.tabs...)
	sort.SliceStable(c.diags, func(i, j int) bool { return c.diags[i].Pos.Offset < c.diags[j].Pos.Offset })
	return root, c.diags, nil
}

// emptyDocument reports a document that holds nothing: what follows a
// final "---".
func emptyDocument(doc *yaml.Node) bool {
	if len(doc.Content) == 0 {
		return true
	}
	n := doc.Content[0]
	return len(doc.Content) == 1 && n.Kind == yaml.ScalarNode && n.Value == "" && n.Tag == "!!null" && n.Style == 0 && n.Anchor == ""
}

// YAML12Directive returns data with a "%YAML 1.2" directive (at the start
// of a line) rewritten to "%YAML 1.1", bytes for bytes, so that yaml/v3,
// which rejects any version but 1.1 although it reads 1.2's core schema,
// accepts it. Positions do not move. data itself is never changed.
func YAML12Directive(data []byte) []byte {
	const dir = "%YAML 1.2"
	var out []byte
	for i := 0; i+len(dir) <= len(data); {
		if (i == 0 || data[i-1] == '\n') && string(data[i:i+len(dir)]) == dir &&
			(i+len(dir) == len(data) || isYAMLSpace(data[i+len(dir)]) || data[i+len(dir)] == '#') {
			if out == nil {
				out = append([]byte(nil), data...)
			}
			out[i+len(dir)-1] = '1'
		}
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	if out == nil {
		return data
	}
	return out
}

// yamlConv turns a yaml.Node tree into Values.
type yamlConv struct {
	data []byte
	src  string
	bom  bool
	// yamlLines are the offsets where YAML's lines start (after "\r\n",
	// '\r', '\n', NEL, LS or PS); nlLines where this package's lines start
	// (after '\n').
	yamlLines []int
	nlLines   []int
	// cursor speeds up position lookups on one long line.
	curLine, curCol, curOff int

	values int // values made so far, aliases counted as expanded
	limit  int
	diags  []Diagnostic
	tabs   []Diagnostic
	done   map[*yaml.Node]*Value // converted anchored nodes, shared by aliases
	path   []frame
	// nodeLines are the lines where a node starts, for the tab check.
	nodeStarts map[int]bool
}

func newYAMLConv(data []byte) *yamlConv {
	c := &yamlConv{data: data, src: string(data), limit: MaxYAMLValues, done: map[*yaml.Node]*Value{}}
	start := 0
	if bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		c.bom, start = true, 3
	}
	c.yamlLines = append(c.yamlLines, start)
	c.nlLines = append(c.nlLines, 0)
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			c.nlLines = append(c.nlLines, i+1)
			c.yamlLines = append(c.yamlLines, i+1)
		case '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				continue
			}
			c.yamlLines = append(c.yamlLines, i+1)
		case 0xC2:
			if i+1 < len(data) && data[i+1] == 0x85 {
				c.yamlLines = append(c.yamlLines, i+2)
			}
		case 0xE2:
			if i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9) {
				c.yamlLines = append(c.yamlLines, i+3)
			}
		}
	}
	return c
}

// offset returns the byte offset of yaml's 1-based line and column,
// clamped to the input.
func (c *yamlConv) offset(line, col int) int {
	if line < 1 {
		return 0
	}
	if line > len(c.yamlLines) {
		return len(c.data)
	}
	off, k := c.yamlLines[line-1], 1
	if c.curLine == line && c.curCol <= col {
		off, k = c.curOff, c.curCol
	}
	for k < col && off < len(c.data) {
		_, size := utf8.DecodeRuneInString(c.src[off:])
		off += size
		k++
	}
	c.curLine, c.curCol, c.curOff = line, k, off
	return off
}

// pos returns the Pos of a byte offset in this package's convention.
func (c *yamlConv) pos(off int) Pos {
	i := sort.Search(len(c.nlLines), func(i int) bool { return c.nlLines[i] > off }) - 1
	start := c.nlLines[i]
	col := utf8.RuneCountInString(c.src[start:off]) + 1
	if i == 0 && c.bom && off >= 3 {
		col--
	}
	return Pos{Offset: off, Line: i + 1, Column: col}
}

func (c *yamlConv) errAt(off int, msg string) error {
	return &SyntaxError{Pos: c.pos(off), Msg: msg, Rule: RuleYAMLSyntax}
}

var yamlErrLine = lazyRegexp(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml/v3 error into a positioned SyntaxError.
func (c *yamlConv) syntaxError(err error) error {
	msg := err.Error()
	m := yamlErrLine().FindStringSubmatch(msg)
	if m == nil {
		msg = strings.TrimPrefix(msg, "yaml: ")
		// yaml/v3 gives no line for an unknown anchor: point at the first
		// alias of that name.
		var name string
		if n, _ := fmt.Sscanf(msg, "unknown anchor %s referenced", &name); n == 1 {
			name = strings.Trim(name, "'")
			for i := bytes.Index(c.data, []byte("*"+name)); i >= 0; {
				end := i + 1 + len(name)
				if end == len(c.data) || !isAnchorByte(c.data[end]) {
					return c.errAt(i, fmt.Sprintf("unknown anchor %q: no &%s before this alias", name, name))
				}
				j := bytes.Index(c.data[end:], []byte("*"+name))
				if j < 0 {
					break
				}
				i = end + j
			}
		}
		return c.errAt(len(c.data), msg)
	}
	line, _ := strconv.Atoi(m[1])
	msg = m[2]
	off := c.offset(line, 1)
	end := off
	for end < len(c.data) && c.data[end] != '\n' && c.data[end] != '\r' {
		end++
	}
	text := c.data[off:end]
	if strings.Contains(msg, "tab character") {
		if i := bytes.IndexByte(text, '\t'); i >= 0 {
			return c.errAt(off+i, "tab used for indentation: YAML indents with spaces only")
		}
	}
	if strings.HasPrefix(msg, "found character that cannot start any token") {
		if i := bytes.IndexByte(text, '\t'); i >= 0 && len(bytes.TrimLeft(text[:i], " ")) == 0 {
			return c.errAt(off+i, "tab used for indentation: YAML indents with spaces only")
		}
		if i := bytes.IndexAny(text, "\t@`"); i >= 0 {
			return c.errAt(off+i, msg)
		}
	}
	i := 0
	for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	if i == len(text) {
		i = 0
	}
	return c.errAt(off+i, msg)
}

// secondDocument reports a second document at its "---": the first
// marker line after where the first document's content starts (first), or
// failing that (a document after "..."), the second document's content.
func (c *yamlConv) secondDocument(first int, n *yaml.Node, err error) Diagnostic {
	off := -1
	for _, start := range c.nlLines {
		if start <= first || !bytes.HasPrefix(c.data[start:], []byte("---")) {
			continue
		}
		if rest := c.data[start+3:]; len(rest) == 0 || isYAMLSpace(rest[0]) {
			off = start
			break
		}
	}
	if off < 0 {
		off = len(c.data)
		if n.Line > 0 {
			off = c.offset(n.Line, n.Column)
		}
	}
	msg := "a second YAML document: Port reads only the first document of a file, so this one is ignored (remove it, or put its entities in the first document's list)"
	if err != nil && !errors.Is(err, io.EOF) {
		msg += "; it is not valid YAML either"
	}
	return Diagnostic{Pos: c.pos(off), Rule: RuleYAMLMultipleDocuments, Msg: msg}
}

// collectAnchorsAndTabs notes where nodes start and reports tabs in the
// indentation of lines that start a node.
func (c *yamlConv) collectAnchorsAndTabs(doc *yaml.Node) {
	starts := map[int]bool{}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > MaxDepth+1 {
			return
		}
		if n.Line > 0 {
			starts[n.Line] = true
		}
		for _, ch := range n.Content {
			walk(ch, depth+1)
		}
	}
	walk(doc, 0)
	for line := range starts {
		if line > len(c.yamlLines) {
			continue
		}
		start := c.yamlLines[line-1]
		for j := start; j < len(c.data); j++ {
			b := c.data[j]
			if b == '\t' {
				c.tabs = append(c.tabs, Diagnostic{Pos: c.pos(j), Rule: RuleYAMLTabIndent,
					Msg: "tab in indentation: YAML indents with spaces only, and readers disagree on what a tab means here"})
				break
			}
			if b != ' ' {
				break
			}
		}
	}
}

// contentOffset returns where n's content starts: after its anchor and tag.
func (c *yamlConv) contentOffset(n *yaml.Node) int {
	off := c.offset(n.Line, n.Column)
	d := c.data
	for off < len(d) && (d[off] == '&' || d[off] == '!') {
		for off < len(d) && !isYAMLSpace(d[off]) {
			off++
		}
		for off < len(d) {
			switch {
			case isYAMLSpace(d[off]):
				off++
				continue
			case d[off] == '#':
				for off < len(d) && d[off] != '\n' && d[off] != '\r' {
					off++
				}
				continue
			}
			break
		}
	}
	if off > len(d) {
		off = len(d)
	}
	return off
}

// isAnchorByte reports a byte that may continue an anchor or alias name
// (anything but a space or a flow indicator).
func isAnchorByte(b byte) bool {
	return !isYAMLSpace(b) && b != ',' && b != '[' && b != ']' && b != '{' && b != '}'
}

func isYAMLSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func (c *yamlConv) value(n *yaml.Node, depth int) (*Value, error) {
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil, c.errAt(c.offset(n.Line, n.Column), fmt.Sprintf("unknown anchor %q", n.Value))
		}
		v, ok := c.done[n.Alias]
		if !ok {
			return nil, c.errAt(c.offset(n.Line, n.Column), fmt.Sprintf("alias *%s refers to its own value", n.Value))
		}
		c.values += countValues(v, c.limit-c.values+1)
		if c.values > c.limit {
			return nil, c.errAt(c.offset(n.Line, n.Column), fmt.Sprintf("aliases expand the file to more than %d values (an alias bomb?)", c.limit))
		}
		return v, nil
	}
	if depth >= MaxDepth {
		return nil, c.errAt(c.offset(n.Line, n.Column), fmt.Sprintf("nesting too deep: more than %d levels of mappings and sequences", MaxDepth))
	}
	c.values++
	if c.values > c.limit {
		return nil, c.errAt(c.offset(n.Line, n.Column), fmt.Sprintf("the file has more than %d values", c.limit))
	}
	v := &Value{Pos: c.pos(c.contentOffset(n))}
	if n.Anchor != "" {
		// An alias inside its own anchor finds no entry and is an error.
		defer func() { c.done[n] = v }()
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if err := c.scalar(n, v); err != nil {
			return nil, err
		}
	case yaml.SequenceNode:
		v.Kind = KindArray
		v.Elems = make([]*Value, 0, len(n.Content))
		c.path = append(c.path, frame{pos: v.Pos, kind: KindArray})
		for i, ch := range n.Content {
			c.path[len(c.path)-1].index = i
			e, err := c.value(ch, depth+1)
			if err != nil {
				return nil, err
			}
			v.Elems = append(v.Elems, e)
		}
		c.path = c.path[:len(c.path)-1]
		if len(v.Elems) == 0 {
			v.Elems = nil
		}
	case yaml.MappingNode:
		if err := c.mapping(n, v, depth); err != nil {
			return nil, err
		}
	default:
		return nil, c.errAt(c.offset(n.Line, n.Column), "unexpected YAML node")
	}
	return v, nil
}

func countValues(v *Value, limit int) int {
	n := 1
	for _, e := range v.Elems {
		if n > limit {
			return n
		}
		n += countValues(e, limit-n)
	}
	for _, m := range v.Members {
		if n > limit {
			return n
		}
		n += countValues(m.Value, limit-n)
	}
	return n
}

func (c *yamlConv) mapping(n *yaml.Node, v *Value, depth int) error {
	v.Kind = KindObject
	c.path = append(c.path, frame{pos: v.Pos, kind: KindObject})
	fi := len(c.path) - 1
	type seen struct {
		idx      int
		first    Pos
		explicit bool
	}
	index := map[string]seen{}
	var members []Member
	// merged holds members that came from merge keys: explicit keys win
	// over them wherever they are written, and an earlier merge wins over a
	// later one.
	add := func(m Member, explicit bool) {
		if s, ok := index[m.Key]; ok {
			switch {
			case explicit && s.explicit:
				c.diags = append(c.diags, Diagnostic{Pos: m.KeyPos, FirstPos: s.first, Key: m.Key, Pointer: framesPointer(c.path)})
				members[s.idx] = m
			case explicit:
				members[s.idx] = m
				index[m.Key] = seen{idx: s.idx, first: m.KeyPos, explicit: true}
			}
			return
		}
		index[m.Key] = seen{idx: len(members), first: m.KeyPos, explicit: explicit}
		members = append(members, m)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		key := kn
		if key.Kind == yaml.AliasNode && key.Alias != nil {
			key = key.Alias
		}
		if key.Kind == yaml.ScalarNode && key.ShortTag() == "!!merge" {
			if err := c.merge(vn, add, depth); err != nil {
				return err
			}
			continue
		}
		keyOff := c.contentOffset(kn)
		if key.Kind != yaml.ScalarNode {
			return c.errAt(keyOff, "a mapping key must be a string, not a "+kindWord(key.Kind)+": JSON keys are strings")
		}
		c.path[fi].key = key.Value
		val, err := c.value(vn, depth+1)
		if err != nil {
			return err
		}
		c.path[fi].key = key.Value
		add(Member{Key: key.Value, KeyPos: c.pos(keyOff), Value: val}, true)
	}
	c.path = c.path[:fi]
	v.Members = members
	return nil
}

// merge adds the members of a merge key's value: a mapping, an alias of
// one, or a sequence of them (earlier ones win).
func (c *yamlConv) merge(vn *yaml.Node, add func(Member, bool), depth int) error {
	var sources []*yaml.Node
	target := vn
	if target.Kind == yaml.AliasNode && target.Alias != nil && target.Alias.Kind == yaml.SequenceNode {
		target = target.Alias
	}
	if target.Kind == yaml.SequenceNode {
		sources = target.Content
	} else {
		sources = []*yaml.Node{vn}
	}
	for _, s := range sources {
		mv, err := c.value(s, depth+1)
		if err != nil {
			return err
		}
		if mv.Kind != KindObject {
			return c.errAt(mv.Pos.Offset, "a merge key (<<) takes a mapping or a list of mappings, got "+article(mv.Kind))
		}
		for _, m := range mv.Members {
			add(m, false)
		}
	}
	return nil
}

func kindWord(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	}
	return "node"
}

// lazyRegexp compiles a pattern the first time it is used: every process
// links this package, most never read a port.yml, and compiling these at
// package init cost every start-up 0.3-0.5 ms.
func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}

var (
	jsonNumber = lazyRegexp(`^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$`)
	// What PyYAML (YAML 1.1) resolves plain scalars to.
	yaml11Bools     = lazyRegexp(`^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$`)
	yaml11Int       = lazyRegexp(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$`)
	yaml11Sexa      = lazyRegexp(`^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)
	yaml11Float     = lazyRegexp(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yaml11Timestamp = lazyRegexp(`^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$`)
	leadingZeroInt  = lazyRegexp(`^[-+]?0[0-9_]+$`)
	lostZero        = lazyRegexp(`^[-+]?[0-9_]*\.[0-9_]*0$`)
)

// scalar fills v from a scalar node.
func (c *yamlConv) scalar(n *yaml.Node, v *Value) error {
	tag := n.ShortTag()
	text := n.Value
	plain := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0
	switch tag {
	case "!!null":
		v.Kind = KindNull
	case "!!bool":
		b, ok := yamlBool(text)
		if !ok {
			return c.errAt(v.Pos.Offset, fmt.Sprintf("%q is not a boolean", text))
		}
		v.Kind, v.Bool = KindBool, b
	case "!!int", "!!float":
		num, ok := yamlNumber(text, tag == "!!int")
		if !ok {
			return c.errAt(v.Pos.Offset, fmt.Sprintf("%s cannot be written in JSON: use a finite number, or quote it for a string", quoteToken([]byte(text))))
		}
		v.Kind, v.Num = KindNumber, num
		if num != text {
			v.Str = text
		}
	default:
		// !!str, !!timestamp (kept as written), !!binary and other tags.
		v.Kind, v.Str = KindString, text
	}
	if plain && n.Style&yaml.TaggedStyle == 0 {
		v.Ambiguity = yamlAmbiguity(text, v.Kind)
	}
	return nil
}

// yamlAmbiguity compares what YAML 1.1 makes of a plain scalar with kind,
// what ParseYAML made of it.
func yamlAmbiguity(text string, kind Kind) Ambiguity {
	switch kind {
	case KindString:
		switch {
		case yaml11Bools().MatchString(text):
			return AmbiguityBool
		case yaml11Timestamp().MatchString(text):
			return AmbiguityTimestamp
		case yaml11Sexa().MatchString(text):
			return AmbiguitySexagesimal
		}
	case KindNumber:
		switch {
		case leadingZeroInt().MatchString(text):
			return AmbiguityOctal
		case !yaml11Int().MatchString(text) && !yaml11Float().MatchString(text) && !yaml11Sexa().MatchString(text):
			return AmbiguityString
		case lostZero().MatchString(text):
			return AmbiguityNumberText
		}
	}
	return AmbiguityNone
}

func yamlBool(s string) (bool, bool) {
	switch s {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

// yamlNumber returns the JSON text of a YAML integer or float: the text
// itself when it is already JSON, else the same number in JSON.
func yamlNumber(s string, isInt bool) (string, bool) {
	if jsonNumber().MatchString(s) { // which allows no leading zero
		return s, true
	}
	clean := strings.ReplaceAll(s, "_", "")
	neg := false
	switch {
	case strings.HasPrefix(clean, "-"):
		neg, clean = true, clean[1:]
	case strings.HasPrefix(clean, "+"):
		clean = clean[1:]
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if isInt {
		// yaml/v3 reads integers as strconv does with base 0: 0x, 0o, 0b
		// prefixes, and a leading 0 for octal.
		var z big.Int
		if _, ok := z.SetString(clean, 0); ok {
			if neg {
				z.Neg(&z)
			}
			return z.String(), true
		}
	}
	lower := strings.ToLower(clean)
	if strings.Contains(lower, "inf") || strings.Contains(lower, "nan") || clean == "" {
		return "", false
	}
	// A float: give it a digit before and after the dot, and no leading
	// zeros, as JSON wants.
	mant, exp := clean, ""
	if i := strings.IndexAny(clean, "eE"); i >= 0 {
		mant, exp = clean[:i], clean[i:]
	}
	intPart, frac, hasDot := strings.Cut(mant, ".")
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := sign + intPart
	if hasDot {
		if frac == "" {
			frac = "0"
		}
		out += "." + frac
	}
	out += exp
	if jsonNumber().MatchString(out) {
		return out, true
	}
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil {
		return "", false
	}
	if neg {
		f = -f
	}
	return strconv.FormatFloat(f, 'g', -1, 64), true
}
