package blueprint

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// identifierRune is Port's identifier pattern, one rune at a time: checked
// against the pattern itself for every code point.
func TestIdentifierRuneIsPortsPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[\p{L}0-9@_.+:\\/=-]$`)
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		if got, want := identifierRune(r), pattern.MatchString(string(r)); got != want {
			t.Fatalf("identifierRune(%U) = %v, the pattern says %v", r, got, want)
		}
	}
}

func TestCheckIdentifierMessages(t *testing.T) {
	for s, want := range map[string]string{
		"payments-api":         "",
		"São_Paulo:v2/x=1+y@z": "",
		"a\\b":                 "",
		"has space":            `contains ' '`,
		"bad\xffbyte":          "is not valid UTF-8",
		"replacement\uFFFD":    `contains '�'`,
		"..":                   "is not allowed",
		"":                     "is empty",
		strings.Repeat("a", MaxIdentifierLength+1): "at most 1000",
	} {
		err := CheckIdentifier(s)
		switch {
		case want == "" && err != nil:
			t.Errorf("CheckIdentifier(%q): %v", s, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("CheckIdentifier(%q) = %v, want it to say %q", s, err, want)
		}
	}
}
