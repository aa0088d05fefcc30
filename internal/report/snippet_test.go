package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestSnippetsUnderFindings(t *testing.T) {
	data := []byte("{\n\t\"a\": \"é\"\n  \"b\": 1\x1b[31m\r\n}\n")
	findings := []Finding{
		{File: "x.json", Line: 2, Column: 7, Rule: "type", Severity: Error, Message: "a: wrong"},
		{File: "x.json", Line: 3, Column: 8, Rule: "json-syntax", Severity: Error, Message: "bad"},
		{File: "x.json", Line: 9, Column: 1, Rule: "json-syntax", Severity: Error, Message: "past the end"},
	}
	AddSnippets(findings, data)
	if findings[2].Snippet != nil {
		t.Errorf("a line past the end got a snippet: %+v", findings[2].Snippet)
	}
	var out bytes.Buffer
	r, _ := New("text", Options{Snippets: true})
	if err := r.Render(&out, findings, Summary{Files: 1, Entities: 1, Errors: 3}); err != nil {
		t.Fatal(err)
	}
	want := "x.json:2:7: error: a: wrong [type]\n" +
		" 2 | \t\"a\": \"é\"\n" +
		"   | \t     ^\n" +
		"x.json:3:8: error: bad [json-syntax]\n" +
		" 3 |   \"b\": 1\uFFFD[31m\n" +
		"   |        ^\n" +
		"x.json:9:1: error: past the end [json-syntax]\n"
	if got := out.String(); !strings.HasPrefix(got, want) {
		t.Fatalf("got:\n%s\nwant prefix:\n%s", got, want)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Fatal("an escape byte from the file reached the output")
	}
}

func TestSnippetOfALongLineIsAWindow(t *testing.T) {
	line := strings.Repeat("x", 5000) + "HERE" + strings.Repeat("y", 5000)
	f := []Finding{{File: "min.json", Line: 1, Column: 5001, Rule: "type", Severity: Error, Message: "m"}}
	AddSnippets(f, []byte(line))
	s := f[0].Snippet
	if s == nil || !s.CutStart || !s.CutEnd || len([]rune(s.Text)) > snippetWidth {
		t.Fatalf("snippet: %+v", s)
	}
	if got := string([]rune(s.Text)[s.Column-1 : s.Column+3]); got != "HERE" {
		t.Fatalf("column points at %q, want HERE", got)
	}
}

func TestWideCharactersMoveTheCaret(t *testing.T) {
	f := []Finding{{File: "w.json", Line: 1, Column: 4, Rule: "type", Severity: Error, Message: "m"}}
	AddSnippets(f, []byte(`"日本X"`))
	var out bytes.Buffer
	r, _ := New("text", Options{Snippets: true, Quiet: true})
	if err := r.Render(&out, f, Summary{}); err != nil {
		t.Fatal(err)
	}
	// '"' is one cell, each of 日本 two: X is at cell 6.
	if !strings.Contains(out.String(), "\n   |      ^\n") {
		t.Fatalf("caret misplaced:\n%q", out.String())
	}
}

func TestQuietPrintsOnlyFindings(t *testing.T) {
	f, s := sample()
	for _, format := range []string{"text", "github"} {
		out := string(render(t, format, Options{Quiet: true}, f, s))
		if strings.Contains(out, "entities") || strings.Contains(out, "by rule") {
			t.Errorf("%s --quiet printed a summary:\n%s", format, out)
		}
		if !strings.Contains(out, "format") {
			t.Errorf("%s --quiet printed no findings:\n%s", format, out)
		}
	}
}
