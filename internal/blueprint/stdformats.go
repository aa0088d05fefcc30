package blueprint

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The JSON Schema formats Port allows (date-time, email, ipv4, ipv6),
// asserted as the JSON Schema library port-gitops used before did, with its
// reasons: the verdicts and messages of existing catalogs stay the same.
// TestStandardFormatsAgreeWithLibrary checks that against the library.

// checkIPv4 asserts four dotted decimals of 0 to 255, without leading zeros.
func checkIPv4(s string) error {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return errors.New("expected four decimals")
	}
	for _, p := range parts {
		if len(p) > 1 && p[0] == '0' {
			return errors.New("leading zeros")
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return err
		}
		if n < 0 || n > 255 {
			return errors.New("decimal must be between 0 and 255")
		}
	}
	return nil
}

// checkIPv6 asserts an IPv6 address (an IPv4 tail allowed), without zone.
func checkIPv6(s string) error {
	if !strings.Contains(s, ":") {
		return errors.New("missing colon")
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return err
	}
	if a.Zone() != "" {
		return errors.New("zone id is not a part of ipv6 address")
	}
	return nil
}

// checkHostname asserts labels of letters, digits and hyphens, 1 to 63
// long, 253 in all.
func checkHostname(s string) error {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 253 {
		return errors.New("more than 253 characters long")
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return errors.New("label must be 1 to 63 characters long")
		}
		if label[0] == '-' {
			return errors.New("label starts with hyphen")
		}
		if label[len(label)-1] == '-' {
			return errors.New("label ends with hyphen")
		}
		for _, r := range label {
			if !isASCIIAlnum(r) && r != '-' {
				return fmt.Errorf("invalid character %q", r)
			}
		}
	}
	return nil
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// checkEmail asserts an e-mail address: a local part (dot-atoms, or quoted)
// and a host name or a bracketed IP address.
func checkEmail(s string) error {
	if len(s) > 254 {
		return errors.New("more than 255 characters long")
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return errors.New("missing @")
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 {
		return errors.New("local part more than 64 characters long")
	}
	if len(local) > 1 && local[0] == '"' && local[len(local)-1] == '"' {
		if strings.ContainsAny(local[1:len(local)-1], `\"`) {
			return errors.New("backslash and quote are not allowed within quoted local part")
		}
	} else {
		switch {
		case strings.HasPrefix(local, "."):
			return errors.New("starts with dot")
		case strings.HasSuffix(local, "."):
			return errors.New("ends with dot")
		case strings.Contains(local, ".."):
			return errors.New("consecutive dots")
		}
		for _, r := range local {
			if !isASCIIAlnum(r) && !strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", r) {
				return fmt.Errorf("invalid character %q", r)
			}
		}
	}
	if len(domain) >= 2 && domain[0] == '[' && domain[len(domain)-1] == ']' {
		ip := domain[1 : len(domain)-1]
		if v6, ok := strings.CutPrefix(ip, "IPv6:"); ok {
			if err := checkIPv6(v6); err != nil {
				return fmt.Errorf("invalid ipv6 address: %v", err)
			}
			return nil
		}
		if err := checkIPv4(ip); err != nil {
			return fmt.Errorf("invalid ipv4 address: %v", err)
		}
		return nil
	}
	if err := checkHostname(domain); err != nil {
		return fmt.Errorf("invalid domain: %v", err)
	}
	return nil
}

// checkDateTime asserts an RFC 3339 date-time: a full date, 'T' (or 't'),
// hh:mm:ss with an optional fraction, and 'Z' or an offset; a leap second
// only at 23:59:60 UTC. Its message says only that it is not one.
func checkDateTime(s string) error {
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't') {
		return errNotDateTime
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return errNotDateTime
	}
	return checkTime(s[11:])
}

var errNotDateTime = errors.New("not a date-time")

// checkTime checks the time of a date-time (at least "hh:mm:ssZ").
func checkTime(t string) error {
	if len(t) < 9 || t[2] != ':' || t[5] != ':' {
		return errNotDateTime
	}
	var hms [3]int
	for i := range hms {
		n, err := strconv.Atoi(t[3*i : 3*i+2])
		if err != nil || n < 0 {
			return errNotDateTime
		}
		hms[i] = n
	}
	h, m, sec := hms[0], hms[1], hms[2]
	if h > 23 || m > 59 || sec > 60 {
		return errNotDateTime
	}
	rest := t[8:]
	if frac, ok := strings.CutPrefix(rest, "."); ok {
		n := 0
		for n < len(frac) && frac[n] >= '0' && frac[n] <= '9' {
			n++
		}
		if n == 0 {
			return errNotDateTime
		}
		rest = frac[n:]
	}
	if rest != "Z" && rest != "z" {
		if len(rest) != 6 || rest[3] != ':' {
			return errNotDateTime
		}
		var sign int
		switch rest[0] {
		case '+':
			sign = -1
		case '-':
			sign = 1
		default:
			return errNotDateTime
		}
		zh, err1 := strconv.Atoi(rest[1:3])
		zm, err2 := strconv.Atoi(rest[4:6])
		if err1 != nil || err2 != nil || zh < 0 || zm < 0 || zh > 23 || zm > 59 {
			return errNotDateTime
		}
		// The leap second is at 23:59:60 UTC: bring the time to UTC.
		hm := h*60 + m + sign*(zh*60+zm)
		if hm < 0 {
			hm += 24 * 60
		}
		h, m = hm/60, hm%60
	}
	if sec == 60 && (h != 23 || m != 59) {
		return errNotDateTime
	}
	return nil
}
