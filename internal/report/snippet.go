package report

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Snippet is the line of the file a finding points at, as text and caret
// output show it: at most snippetWidth characters around the column, with
// control characters and invalid UTF-8 replaced, so that a hostile file
// cannot write escape sequences to a terminal.
type Snippet struct {
	Line   int    // the line number in the file
	Text   string // the line, or the part of it around Column
	Column int    // 1-based, in characters of Text
	// Cut says that Text starts (CutStart) or ends (CutEnd) inside the line.
	CutStart, CutEnd bool
}

// snippetWidth bounds a snippet: a minified file is one long line.
const snippetWidth = 120

// AddSnippets fills in the Snippet of every finding that points at a line
// of data, the content of the file the findings are about. It reads data
// once, and only when some finding needs it.
func AddSnippets(findings []Finding, data []byte) {
	want := map[int]bool{}
	for _, f := range findings {
		if f.Line > 0 && f.Snippet == nil {
			want[f.Line] = true
		}
	}
	if len(want) == 0 {
		return
	}
	lines := map[int][]byte{}
	line := 1
	for start := 0; start <= len(data) && len(lines) < len(want); line++ {
		end := start
		for end < len(data) && data[end] != '\n' {
			end++
		}
		if want[line] {
			lines[line] = data[start:end]
		}
		start = end + 1
	}
	for i := range findings {
		f := &findings[i]
		if f.Line <= 0 || f.Snippet != nil {
			continue
		}
		text, ok := lines[f.Line]
		if !ok {
			continue
		}
		f.Snippet = makeSnippet(f.Line, text, f.Column)
	}
}

func makeSnippet(line int, raw []byte, column int) *Snippet {
	if len(raw) > 0 && raw[len(raw)-1] == '\r' {
		raw = raw[:len(raw)-1]
	}
	// Runes of the line, cleaned, as far as is needed: up to the column
	// and a window past it.
	runes := make([]rune, 0, min(len(raw), 4*snippetWidth))
	limit := max(column, 1) + snippetWidth
	cutEnd := false
	for i := 0; i < len(raw); {
		if len(runes) >= limit {
			cutEnd = true
			break
		}
		r, size := utf8.DecodeRune(raw[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			r = '\uFFFD'
		case r == '\t':
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r):
			r = '\uFFFD'
		}
		runes = append(runes, r)
		i += size
	}
	col := max(column, 1)
	start := 0
	if col > snippetWidth*2/3 {
		start = col - snippetWidth/3
	}
	end := min(len(runes), start+snippetWidth)
	if end < len(runes) {
		cutEnd = true
	}
	s := &Snippet{Line: line, Text: strings.TrimRight(string(runes[start:end]), " \t"), Column: col - start, CutStart: start > 0, CutEnd: cutEnd}
	return s
}
