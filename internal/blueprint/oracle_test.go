package blueprint

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/port-gitops/port-gitops/internal/entity"
)

// The oracle: how port-gitops checked property schemas before the native
// validator, through the santhosh-tekuri/jsonschema library (draft 2020-12,
// format assertion, Port's formats registered, the library's own email,
// date-time, ipv4 and ipv6), with the same messages. Tests only: the
// binary does not link the library.

// oracleCompiler is a compiler set up as port-gitops's was.
func oracleCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.UseLoader(refuseLoader{})
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	for _, f := range oraclePortFormats {
		c.RegisterFormat(f)
	}
	return c
}

// refuseLoader is the oracle compiler's loader: it loads nothing.
type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) { return nil, errRefused }

var errRefused = errors.New("port-gitops never loads schemas from outside the blueprint")

var oraclePortFormats = []*jsonschema.Format{
	{Name: "url", Validate: oracleString(checkURL)},
	{Name: "user", Validate: oracleString(func(s string) error {
		if !libraryFormat("email", s) {
			return errors.New("a user is an e-mail address such as dana@example.com")
		}
		return nil
	})},
	{Name: "team", Validate: oracleString(func(s string) error {
		if s == "" {
			return errors.New("team is empty")
		}
		return nil
	})},
	{Name: "timer", Validate: oracleString(func(s string) error {
		if !libraryFormat("date-time", s) {
			return errors.New("a timer is a date-time (RFC 3339) such as 2026-01-31T12:00:00Z")
		}
		return nil
	})},
	{Name: "yaml", Validate: oracleString(checkYAML)},
	{Name: "markdown", Validate: func(any) error { return nil }},
	{Name: "proto", Validate: func(any) error { return nil }},
	{Name: "blueprints", Validate: func(any) error { return nil }},
	{Name: "labeled-url", Validate: oracleLabeledURL},
}

func oracleString(check func(string) error) func(any) error {
	return func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		return check(s)
	}
}

func oracleLabeledURL(v any) error {
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

// libraryChecks are schemas of one library format each.
var libraryChecks = sync.OnceValue(func() map[string]*jsonschema.Schema {
	out := map[string]*jsonschema.Schema{}
	for _, f := range []string{"email", "date-time", "ipv4", "ipv6", "idn-email"} {
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		url := "https://port-gitops.invalid/format/" + f
		if err := c.AddResource(url, map[string]any{"format": f}); err != nil {
			panic(err)
		}
		out[f] = c.MustCompile(url)
	}
	return out
})

func libraryFormat(f, s string) bool {
	return libraryChecks()[f].Validate(s) == nil
}

// finding is one schema finding as a test compares it.
type finding struct {
	Loc, Rule, Msg string
}

func (f finding) String() string { return f.Loc + " " + f.Rule + ": " + f.Msg }

// oracleFindings checks value (the value of property key) against the
// property schema def as port-gitops did before: def compiled inside
// {"type": "object", "properties": {key: def}}, the value validated as
// {key: value}, each leaf error described. It returns an error when the
// library refuses the schema.
func oracleFindings(key string, def map[string]any, value *entity.Value) (out []finding, err error) {
	c := oracleCompiler()
	loc := "https://port-gitops.invalid/blueprints/oracle/properties.json"
	if err := c.AddResource(loc, map[string]any{"type": "object", "properties": map[string]any{key: def}}); err != nil {
		return nil, err
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return nil, err
	}
	verr := sch.Validate(map[string]any{key: value.Interface()})
	var ve *jsonschema.ValidationError
	if !errors.As(verr, &ve) {
		return nil, verr
	}
	for _, leaf := range leaves(ve) {
		rule, msg := describe(leaf)
		out = append(out, finding{strings.Join(leaf.InstanceLocation, "/"), rule, normalizeMessage(rule, msg)})
	}
	sortFindings(out)
	return out, nil
}

// nativeFindings is oracleFindings through the native validator; the
// schema must keep to the native language.
func nativeFindings(key string, def map[string]any, value *entity.Value) ([]finding, error) {
	n, err := compileNative(def)
	if err != nil {
		return nil, err
	}
	var out []finding
	var w walker
	w.push(key, -1)
	n.check(value, &w)
	for _, f := range w.out {
		if got := value.Lookup(f.loc[1:]); got != f.at {
			return nil, fmt.Errorf("finding %s %s: its node is not the value at its location", f.loc, f.rule)
		}
		out = append(out, finding{strings.Join(f.loc, "/"), f.rule, normalizeMessage(f.rule, f.msg)})
	}
	sortFindings(out)
	return out, nil
}

func sortFindings(fs []finding) {
	sort.Slice(fs, func(i, j int) bool { return fs[i].String() < fs[j].String() })
}

// normalizeMessage sorts the names of an additional-properties message:
// the library lists them in map order, the native validator in the file's.
func normalizeMessage(rule, msg string) string {
	if rule != "additional-properties" {
		return msg
	}
	names := strings.Split(strings.TrimSuffix(msg, " not allowed"), ", ")
	sort.Strings(names)
	return strings.Join(names, ", ") + " not allowed"
}

// leaves returns the innermost errors of a validation error tree: the ones
// that say what is wrong rather than where.
func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// printer is how the library's own messages are printed.
var printer = message.NewPrinter(language.English)

// describe returns a rule name and a message for one validation error, as
// port-gitops did (multipleOf aside: the library's message printed numbers
// as 1.234567×10⁰⁶, port-gitops's says "... is not a multiple of ...").
func describe(ve *jsonschema.ValidationError) (string, string) {
	switch k := ve.ErrorKind.(type) {
	case *kind.Type:
		return "type", fmt.Sprintf("must be %s, got %s", strings.Join(k.Want, " or "), k.Got)
	case *kind.Enum:
		want := make([]string, 0, listed)
		for _, w := range k.Want[:min(listed, len(k.Want))] {
			want = append(want, jsonText(w))
		}
		return "enum", fmt.Sprintf("%s is not one of %s", jsonText(k.Got), listSome(want, len(k.Want)))
	case *kind.Const:
		return "const", fmt.Sprintf("must be %s", jsonText(k.Want))
	case *kind.MultipleOf:
		return "schema", fmt.Sprintf("%s is not a multiple of %s", ratText(k.Got), ratText(k.Want))
	case *kind.Format:
		msg := fmt.Sprintf("%s is not a valid %s", jsonText(k.Got), k.Want)
		switch {
		case k.Want == "date-time":
			msg += " (RFC 3339, such as 2026-01-31T12:00:00Z)"
		case k.Err != nil:
			msg += ": " + k.Err.Error()
		}
		return "format", msg
	case *kind.Pattern:
		return "pattern", fmt.Sprintf("%s does not match the pattern %s", jsonText(k.Got), k.Want)
	case *kind.Required:
		q := make([]string, len(k.Missing))
		for i, m := range k.Missing {
			q[i] = fmt.Sprintf("%q", m)
		}
		return "required-property", "missing required " + plural(len(q), "property", "properties") + " " + strings.Join(q, ", ")
	case *kind.MinLength:
		return "min-length", fmt.Sprintf("is %d characters long; at least %d required", k.Got, k.Want)
	case *kind.MaxLength:
		return "max-length", fmt.Sprintf("is %d characters long; at most %d allowed", k.Got, k.Want)
	case *kind.Minimum:
		return "minimum", fmt.Sprintf("%s is less than the minimum %s", ratText(k.Got), ratText(k.Want))
	case *kind.Maximum:
		return "maximum", fmt.Sprintf("%s is greater than the maximum %s", ratText(k.Got), ratText(k.Want))
	case *kind.ExclusiveMinimum:
		return "minimum", fmt.Sprintf("%s must be greater than %s", ratText(k.Got), ratText(k.Want))
	case *kind.ExclusiveMaximum:
		return "maximum", fmt.Sprintf("%s must be less than %s", ratText(k.Got), ratText(k.Want))
	case *kind.MinItems:
		return "min-items", fmt.Sprintf("has %d %s; at least %d required", k.Got, plural(k.Got, "item", "items"), k.Want)
	case *kind.MaxItems:
		return "max-items", fmt.Sprintf("has %d %s; at most %d allowed", k.Got, plural(k.Got, "item", "items"), k.Want)
	case *kind.UniqueItems:
		return "unique-items", fmt.Sprintf("items %d and %d are equal; items must be unique", k.Duplicates[0], k.Duplicates[1])
	case *kind.AdditionalProperties:
		q := make([]string, len(k.Properties))
		for i, p := range k.Properties {
			q[i] = fmt.Sprintf("%q", p)
		}
		return "additional-properties", fmt.Sprintf("%s not allowed", strings.Join(q, ", "))
	}
	return "schema", ve.ErrorKind.LocalizedString(printer)
}
