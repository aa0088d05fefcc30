package blueprint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// portFormats are the property formats Port defines beyond JSON Schema's own
// (date-time, email, idn-email, ipv4 and ipv6 are asserted by the library).
var portFormats = []*jsonschema.Format{
	{Name: "url", Validate: stringFormat(checkURL)},
	// A user is an e-mail address and a timer a date-time, checked by the
	// very same code as JSON Schema's email and date-time formats.
	{Name: "user", Validate: stringFormat(func(s string) error {
		if !libraryFormat("email", s) {
			return errors.New("a user is an e-mail address such as dana@example.com")
		}
		return nil
	})},
	{Name: "team", Validate: stringFormat(func(s string) error {
		if s == "" {
			return errors.New("team is empty")
		}
		return nil
	})},
	{Name: "timer", Validate: stringFormat(func(s string) error {
		if !libraryFormat("date-time", s) {
			return errors.New("a timer is a date-time (RFC 3339) such as 2026-01-31T12:00:00Z")
		}
		return nil
	})},
	yamlFormat,
	{Name: "markdown", Validate: anything},
	{Name: "proto", Validate: anything},
	{Name: "blueprints", Validate: anything},
	{Name: "labeled-url", Validate: checkLabeledURL},
}

// libraryChecks are schemas of one JSON Schema format each, compiled once
// with format assertion, so that a Port format can be checked exactly as
// the library checks a standard one.
var libraryChecks = sync.OnceValue(func() map[string]*jsonschema.Schema {
	out := map[string]*jsonschema.Schema{}
	for _, f := range []string{"email", "date-time"} {
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		url := "https://port-gitops.invalid/format/" + f
		if err := c.AddResource(url, map[string]any{"format": f}); err != nil {
			panic(err) // a constant schema: cannot fail
		}
		out[f] = c.MustCompile(url)
	}
	return out
})

// libraryFormat reports whether s has the JSON Schema format f ("email" or
// "date-time") as the schema library checks it.
func libraryFormat(f, s string) bool {
	return libraryChecks()[f].Validate(s) == nil
}

// yamlFormat asserts that a string parses as YAML, as Port's yaml format
// does: every document of it (Port reads a stream), duplicate keys an error
// in each, a "%YAML 1.2" directive accepted.
var yamlFormat = &jsonschema.Format{Name: "yaml", Validate: stringFormat(func(s string) error {
	if knownGoodYAML(s) {
		return nil
	}
	return checkYAMLStream([]byte(s))
})}

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

func anything(any) error { return nil }

// stringFormat applies check to strings only: a format says nothing of other types.
func stringFormat(check func(string) error) func(any) error {
	return func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		return check(s)
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

func checkLabeledURL(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	u, ok := m["url"]
	if !ok {
		return errors.New(`a labeled URL needs a "url" key`)
	}
	if _, ok := u.(string); !ok {
		return errors.New(`the "url" of a labeled URL must be a string`)
	}
	if d, ok := m["displayText"]; ok {
		if _, ok := d.(string); !ok {
			return errors.New(`the "displayText" of a labeled URL must be a string`)
		}
	}
	return nil
}
