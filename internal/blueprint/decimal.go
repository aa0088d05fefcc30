package blueprint

import (
	"strconv"
	"strings"
)

// decimal is the exact value of a number as written: ±0.digits × 10^exp,
// digits without leading or trailing zeros (none for zero). Comparing,
// testing for an integer and writing a canonical form cost the length of
// the text whatever the exponent, where big.Rat needs 10^exp: a file of
// numbers such as 1e999999 (38 ms each through big.Rat) stays cheap.
type decimal struct {
	neg    bool
	digits string
	exp    int64
}

// maxExp bounds an exponent; larger ones saturate (they are far beyond any
// number a schema or a value can be told apart from).
const maxExp = 1 << 60

// parseDecimal reads a number as JSON writes it (a leading + allowed, as
// YAML has it). It reports false for anything else.
func parseDecimal(text string) (decimal, bool) {
	var d decimal
	s := text
	if s != "" && (s[0] == '-' || s[0] == '+') {
		d.neg = s[0] == '-'
		s = s[1:]
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intPart := s[:i]
	if intPart == "" {
		return decimal{}, false
	}
	s = s[i:]
	frac := ""
	if s != "" && s[0] == '.' {
		j := 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == 1 {
			return decimal{}, false
		}
		frac, s = s[1:j], s[j:]
	}
	var e int64
	if s != "" && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		eneg := false
		if s != "" && (s[0] == '-' || s[0] == '+') {
			eneg = s[0] == '-'
			s = s[1:]
		}
		if s == "" {
			return decimal{}, false
		}
		for _, c := range []byte(s) {
			if c < '0' || c > '9' {
				return decimal{}, false
			}
			if e < maxExp {
				e = e*10 + int64(c-'0')
			}
		}
		e = min(e, maxExp)
		if eneg {
			e = -e
		}
		s = ""
	}
	if s != "" {
		return decimal{}, false
	}
	// 0.digits × 10^exp: the point sits after the integer part.
	point := int64(len(intPart))
	mant := intPart + frac
	lead := 0
	for lead < len(mant) && mant[lead] == '0' {
		lead++
	}
	mant = strings.TrimRight(mant[lead:], "0")
	if mant == "" {
		return decimal{}, true // zero, whatever its sign
	}
	d.digits = mant
	d.exp = point - int64(lead) + e
	return d, true
}

// cmp compares two decimals: -1, 0 or 1.
func (a decimal) cmp(b decimal) int {
	az, bz := a.digits == "", b.digits == ""
	switch {
	case az && bz:
		return 0
	case az:
		return b.sign() * -1
	case bz:
		return a.sign()
	case a.neg != b.neg:
		return a.sign()
	}
	m := 0 // magnitude
	switch {
	case a.exp != b.exp:
		m = 1
		if a.exp < b.exp {
			m = -1
		}
	default:
		m = strings.Compare(a.digits, b.digits)
	}
	if a.neg {
		return -m
	}
	return m
}

func (d decimal) sign() int {
	switch {
	case d.digits == "":
		return 0
	case d.neg:
		return -1
	}
	return 1
}

// isInt reports whether d is an integer.
func (d decimal) isInt() bool {
	return d.digits == "" || d.exp >= int64(len(d.digits))
}

// moderate reports whether big.Rat holds d cheaply: about 35 µs at an
// exponent of 5,000, against 38 ms at 1,000,000.
func (d decimal) moderate() bool {
	return d.exp > -5000 && d.exp < 5000
}

// canonical writes d so that equal numbers, however written, give the same
// text.
func (d decimal) canonical() string {
	if d.digits == "" {
		return "0"
	}
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	b.WriteString(d.digits)
	b.WriteByte('e')
	b.WriteString(strconv.FormatInt(d.exp, 10))
	return b.String()
}

// short writes d in scientific notation with at most 10 significant
// digits (cut, not rounded), as ratText writes numbers beyond float64,
// for messages about numbers too large for big.Rat.
func (d decimal) short() string {
	if d.digits == "" {
		return "0"
	}
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	digits := strings.TrimRight(d.digits[:min(len(d.digits), 10)], "0")
	b.WriteByte(digits[0])
	if len(digits) > 1 {
		b.WriteByte('.')
		b.WriteString(digits[1:])
	}
	e := d.exp - 1
	b.WriteByte('e')
	if e >= 0 {
		b.WriteByte('+')
	}
	b.WriteString(strconv.FormatInt(e, 10))
	return b.String()
}
