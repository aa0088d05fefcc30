package blueprint

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxIdentifierLength is the longest entity identifier Port accepts, in characters.
const MaxIdentifierLength = 1000

// identifierRune reports whether r is in Port's entity identifier
// alphabet: Unicode letters, ASCII digits and @ _ . + : \ / = - (Port's
// pattern is ^[\p{L}0-9@_.+:\\/=-]+$, without "." and "..").
func identifierRune(r rune) bool {
	switch {
	case r >= '0' && r <= '9':
		return true
	case r < utf8.RuneSelf:
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune(`@_.+:\/=-`, r)
	}
	return unicode.IsLetter(r)
}

// CheckIdentifier reports why s is not an entity identifier Port accepts, or nil.
func CheckIdentifier(s string) error {
	n := utf8.RuneCountInString(s)
	switch {
	case s == "":
		return fmt.Errorf("identifier is empty")
	case s == "." || s == "..":
		return fmt.Errorf("identifier %q is not allowed", s)
	case n > MaxIdentifierLength:
		return fmt.Errorf("identifier is %d characters long; Port allows at most %d", n, MaxIdentifierLength)
	}
	for i, r := range s {
		if identifierRune(r) {
			continue
		}
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("identifier %q is not valid UTF-8", s)
			}
		}
		return fmt.Errorf("identifier %q contains %q; Port allows letters, digits and @ _ . + : \\ / = -", s, r)
	}
	return nil
}
