package blueprint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// nativeFormat is a format the native validator asserts: check returns
// why v does not have it, nil when it does or when the format says nothing
// of v's type.
type nativeFormat struct {
	name  string
	check func(v *entity.Value) error
}

// nativeFormats are Port's property formats and the JSON Schema ones Port
// allows. markdown, proto and blueprints take any string, and so does
// idn-email: JSON Schema validators commonly leave it unasserted, as
// port-gitops always has.
var nativeFormats = map[string]*nativeFormat{}

func init() {
	str := func(name string, check func(string) error) {
		nativeFormats[name] = &nativeFormat{name: name, check: func(v *entity.Value) error {
			if v.Kind != entity.KindString {
				return nil
			}
			return check(v.Str)
		}}
	}
	str("date-time", checkDateTime)
	str("email", checkEmail)
	str("ipv4", checkIPv4)
	str("ipv6", checkIPv6)
	str("url", checkURL)
	// A user is an e-mail address and a timer a date-time, checked by the
	// very same code as the email and date-time formats.
	str("user", func(s string) error {
		if checkEmail(s) != nil {
			return errors.New("a user is an e-mail address such as dana@example.com")
		}
		return nil
	})
	str("team", func(s string) error {
		if s == "" {
			return errors.New("team is empty")
		}
		return nil
	})
	str("timer", func(s string) error {
		if checkDateTime(s) != nil {
			return errors.New("a timer is a date-time (RFC 3339) such as 2026-01-31T12:00:00Z")
		}
		return nil
	})
	str("yaml", checkYAML)
	for _, name := range []string{"markdown", "proto", "blueprints", "idn-email"} {
		nativeFormats[name] = &nativeFormat{name: name, check: func(*entity.Value) error { return nil }}
	}
	nativeFormats["labeled-url"] = &nativeFormat{name: "labeled-url", check: checkLabeledURL}
}

// checkYAML asserts that a string parses as YAML, as Port's yaml format
// does: every document of it (Port reads a stream), duplicate keys an error
// in each, a "%YAML 1.2" directive accepted.
func checkYAML(s string) error {
	if knownGoodYAML(s) {
		return nil
	}
	return checkYAMLStream([]byte(s))
}

func checkYAMLStream(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(entity.YAML12Directive(data)))
	for n := 1; ; n++ {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			if n > 1 {
				return fmt.Errorf("not valid YAML: document %d: %s", n, msg)
			}
			return fmt.Errorf("not valid YAML: %s", msg)
		}
	}
}

// urlForbidden are the printable ASCII characters RFC 3986 allows nowhere
// in a URI (they must be percent-encoded); url.Parse lets them through.
const urlForbidden = " <>\"{}|\\^`"

func checkURL(s string) error {
	if i := strings.IndexAny(s, urlForbidden); i >= 0 {
		c := s[i]
		name := fmt.Sprintf("%q", string(c))
		if c == ' ' {
			name = "a space"
		}
		return fmt.Errorf("%s is not allowed in a URL (RFC 3986): percent-encode it (%%%02X)", name, c)
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	if !u.IsAbs() {
		return errors.New("not an absolute URL (it needs a scheme such as https://)")
	}
	if (u.Scheme == "http" || u.Scheme == "https") && u.Host == "" {
		return errors.New("URL has no host")
	}
	return nil
}

func checkLabeledURL(v *entity.Value) error {
	if v.Kind != entity.KindObject {
		return nil
	}
	u := v.Get("url")
	if u == nil {
		return errors.New(`a labeled URL needs a "url" key`)
	}
	if u.Kind != entity.KindString {
		return errors.New(`the "url" of a labeled URL must be a string`)
	}
	if d := v.Get("displayText"); d != nil && d.Kind != entity.KindString {
		return errors.New(`the "displayText" of a labeled URL must be a string`)
	}
	return nil
}
