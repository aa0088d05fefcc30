package blueprint

import (
	"fmt"
	"regexp"
	"unicode/utf8"
)

// MaxIdentifierLength is the longest entity identifier Port accepts, in characters.
const MaxIdentifierLength = 1000

// identifierChars is Port's entity identifier alphabet: Unicode letters,
// ASCII digits and @ _ . + : \ / = -. Port's own pattern also forbids "." and
// "..", which RE2 cannot say; CheckIdentifier does.
var identifierChars = regexp.MustCompile(`^[\p{L}0-9@_.+:\\/=-]+$`)

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
	case !identifierChars.MatchString(s):
		for _, r := range s {
			if !identifierChars.MatchString(string(r)) {
				return fmt.Errorf("identifier %q contains %q; Port allows letters, digits and @ _ . + : \\ / = -", s, r)
			}
		}
		return fmt.Errorf("identifier %q is not valid UTF-8", s)
	}
	return nil
}
