package blueprint

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// portFormats are the property formats Port defines beyond JSON Schema's own
// (date-time, email, idn-email, ipv4 and ipv6 are asserted by the library).
var portFormats = []*jsonschema.Format{
	{Name: "url", Validate: stringFormat(checkURL)},
	{Name: "user", Validate: stringFormat(checkEmail)},
	{Name: "team", Validate: stringFormat(func(s string) error {
		if s == "" {
			return errors.New("team is empty")
		}
		return nil
	})},
	{Name: "timer", Validate: stringFormat(func(s string) error {
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return errors.New("a timer is a date-time such as 2026-01-31T12:00:00Z")
		}
		return nil
	})},
	yamlFormat,
	{Name: "markdown", Validate: anything},
	{Name: "proto", Validate: anything},
	{Name: "blueprints", Validate: anything},
	{Name: "labeled-url", Validate: checkLabeledURL},
}

// yamlFormat asserts that a string parses as YAML, as Port's yaml format
// does; duplicate keys are an error, as in Port.
var yamlFormat = &jsonschema.Format{Name: "yaml", Validate: stringFormat(func(s string) error {
	if knownGoodYAML(s) {
		return nil
	}
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return fmt.Errorf("not valid YAML: %v", err)
	}
	return nil
})}

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

func checkURL(s string) error {
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

func checkEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return errors.New("not an e-mail address")
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
	return nil
}
