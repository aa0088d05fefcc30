package entity

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// problemStrings renders problems as "rule@line:col pointer: message".
func problemStrings(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s@%d:%d %s: %s", p.Rule, p.Pos.Line, p.Pos.Column, p.Pointer, p.Message))
	}
	return out
}

// entityStrings renders entities as "index pointer id=... bp=... @line:col".
func entityStrings(es []Entity) []string {
	var out []string
	for _, e := range es {
		s := fmt.Sprintf("%d %q id=%q bp=%q @%d:%d", e.Index, e.Pointer, e.Identifier, e.Blueprint, e.Node.Pos.Line, e.Node.Pos.Column)
		if e.IdentifierNode != nil {
			s += " idnode=" + e.IdentifierNode.Kind.String()
		}
		if e.BlueprintNode != nil {
			s += " bpnode=" + e.BlueprintNode.Kind.String()
		}
		out = append(out, s)
	}
	return out
}

func TestExtract(t *testing.T) {
	cases := []struct {
		name     string
		in       string
		entities []string
		problems []string
	}{
		{
			name:     "single object",
			in:       `{"identifier": "svc", "title": "Svc", "icon": "Go", "team": [], "properties": {}, "relations": {}}`,
			entities: []string{`-1 "" id="svc" bp="" @1:1 idnode=string`},
		},
		{
			name: "array of entities with blueprints",
			in:   "[\n  {\"identifier\": \"a\", \"blueprint\": \"service\"},\n  {\"blueprint\": \"library\", \"identifier\": \"b\"}\n]",
			entities: []string{
				`0 "/0" id="a" bp="service" @2:3 idnode=string bpnode=string`,
				`1 "/1" id="b" bp="library" @3:3 idnode=string bpnode=string`,
			},
		},
		{
			name:     "root is a string",
			in:       `"svc"`,
			problems: []string{`entity-shape@1:1 : the file must hold an entity object or an array of entity objects, got a string`},
		},
		{
			name:     "root is null",
			in:       "\n  null",
			problems: []string{`entity-shape@2:3 : the file must hold an entity object or an array of entity objects, got null`},
		},
		{
			name:     "empty array",
			in:       " [ ]",
			problems: []string{`entity-shape@1:2 : the file holds an empty array: add at least one entity object`},
		},
		{
			name:     "array element not an object",
			in:       "[\n {\"identifier\": \"a\"},\n \"b\",\n [],\n {\"identifier\": \"c\"}\n]",
			entities: []string{`0 "/0" id="a" bp="" @2:2 idnode=string`, `3 "/3" id="c" bp="" @5:2 idnode=string`},
			problems: []string{
				`entity-shape@3:2 /1: array element 1 must be an entity object, got a string`,
				`entity-shape@4:2 /2: array element 2 must be an entity object, got an array`,
			},
		},
		{
			name:     "identifier missing",
			in:       "[{\"identifier\": \"a\"},\n  {\"title\": \"No id\"}]",
			entities: []string{`0 "/0" id="a" bp="" @1:2 idnode=string`, `1 "/1" id="" bp="" @2:3`},
			problems: []string{`identifier-missing@2:3 /1: entity has no "identifier"`},
		},
		{
			name:     "identifier not a string",
			in:       `{"identifier": 42}`,
			entities: []string{`-1 "" id="" bp="" @1:1 idnode=number`},
			problems: []string{`entity-shape@1:16 /identifier: identifier must be a string, got a number`},
		},
		{
			name:     "identifier null",
			in:       `{"identifier": null}`,
			entities: []string{`-1 "" id="" bp="" @1:1 idnode=null`},
			problems: []string{`entity-shape@1:16 /identifier: identifier must be a string, got null`},
		},
		{
			name:     "blueprint not a string",
			in:       `[{"identifier": "a", "blueprint": {"id": "x"}}]`,
			entities: []string{`0 "/0" id="a" bp="" @1:2 idnode=string bpnode=object`},
			problems: []string{`entity-shape@1:35 /0/blueprint: blueprint must be a string, got an object`},
		},
		{
			name:     "unknown field near miss",
			in:       "{\n  \"identifier\": \"a\",\n  \"propeties\": {}\n}",
			entities: []string{`-1 "" id="a" bp="" @1:1 idnode=string`},
			problems: []string{`unknown-field@3:3 /propeties: unknown field "propeties" (did you mean "properties"?)`},
		},
		{
			name:     "unknown field differing in case",
			in:       `[{"Identifier": "a"}]`,
			entities: []string{`0 "/0" id="" bp="" @1:2`},
			problems: []string{
				`unknown-field@1:3 /0/Identifier: unknown field "Identifier" (did you mean "identifier"?)`,
				`identifier-missing@1:2 /0: entity has no "identifier"`,
			},
		},
		{
			name:     "unknown field far off",
			in:       `{"identifier": "a", "created/at": 1}`,
			entities: []string{`-1 "" id="a" bp="" @1:1 idnode=string`},
			problems: []string{`unknown-field@1:21 /created~1at: unknown field "created/at": an entity holds only identifier, title, icon, team, properties, relations, blueprint`},
		},
		{
			name:     "duplicate identifier keeps the last",
			in:       `{"identifier": "old", "identifier": "new"}`,
			entities: []string{`-1 "" id="new" bp="" @1:1 idnode=string`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, _, err := Parse([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			ents, probs := Extract(root)
			if got := entityStrings(ents); !reflect.DeepEqual(got, c.entities) {
				t.Errorf("entities\n got %q\nwant %q", got, c.entities)
			}
			if got := problemStrings(probs); !reflect.DeepEqual(got, c.problems) {
				t.Errorf("problems\n got %q\nwant %q", got, c.problems)
			}
			for _, e := range ents {
				if e.Node.Kind != KindObject {
					t.Errorf("entity %s is a %s", e.Pointer, e.Node.Kind)
				}
				toks, _ := ParsePointer(e.Pointer)
				if root.Lookup(toks) != e.Node {
					t.Errorf("entity pointer %q does not lead to its node", e.Pointer)
				}
			}
		})
	}
}

func TestExtractNil(t *testing.T) {
	ents, probs := Extract(nil)
	if ents != nil || probs != nil {
		t.Errorf("Extract(nil) = %v, %v", ents, probs)
	}
}

func TestExtractSharedExample(t *testing.T) {
	data, err := os.ReadFile("../../../shared/examples/entity-notification-microservice.json")
	if err != nil {
		t.Skipf("shared example not available: %v", err)
	}
	root, diags, err := Parse(data)
	if err != nil || diags != nil {
		t.Fatalf("Parse = %v, %v", diags, err)
	}
	ents, probs := Extract(root)
	if len(ents) != 1 || len(probs) != 0 || ents[0].Identifier != "notification-microservice" {
		t.Fatalf("Extract = %+v, %+v", ents, probs)
	}
	url := ents[0].Node.Lookup([]string{"properties", "url"})
	if url == nil || url.Pos.Line != 5 || !strings.HasPrefix(url.Str, "https://") {
		t.Errorf("properties/url = %+v", url)
	}
}

func TestSyntaxErrorProblem(t *testing.T) {
	_, _, err := Parse([]byte(`{"a" 1}`))
	se, ok := err.(*SyntaxError)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	if p := se.Problem(); p.Rule != "json-syntax" || p.Pos != se.Pos || p.Message != se.Msg || p.Pointer != "" {
		t.Errorf("Problem() = %+v", p)
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"identifier", "title", "icon", "team", "properties", "relations", "blueprint"}
	cases := []struct{ word, want string }{
		{"propeties", "properties"},
		{"porperties", "properties"}, // swapped neighbours count once
		{"identifer", "identifier"},
		{"Identifier", "identifier"},
		{"RELATIONS", "relations"},
		{"relation", "relations"},
		{"blueprnt", "blueprint"},
		{"tittle", "title"},
		{"teams", "team"},
		{"icons", "icon"},
		{"name", ""},
		{"t", ""},
		{"", ""},
		{"description", ""},
		{"prop", ""},
	}
	for _, c := range cases {
		t.Run(c.word, func(t *testing.T) {
			if got := Suggest(c.word, keys); got != c.want {
				t.Errorf("Suggest(%q) = %q, want %q", c.word, got, c.want)
			}
		})
	}
	t.Run("ties go to the earlier candidate", func(t *testing.T) {
		if got := Suggest("cat", []string{"bat", "cap"}); got != "bat" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("closest wins", func(t *testing.T) {
		if got := Suggest("servce", []string{"services", "service"}); got != "service" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("runes not bytes", func(t *testing.T) {
		if got := Suggest("naïve", []string{"naive"}); got != "naive" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("no candidates", func(t *testing.T) {
		if got := Suggest("x", nil); got != "" {
			t.Errorf("got %q", got)
		}
	})
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"ab", "ba", 1},
		{"flaw", "lawn", 2}, {"ca", "abc", 3}, {"same", "same", 0},
	}
	for _, c := range cases {
		t.Run(c.a+"/"+c.b, func(t *testing.T) {
			if got := editDistance([]rune(c.a), []rune(c.b), 100); got != c.want {
				t.Errorf("editDistance = %d, want %d", got, c.want)
			}
			if got := editDistance([]rune(c.b), []rune(c.a), 100); got != c.want {
				t.Errorf("reversed editDistance = %d, want %d", got, c.want)
			}
		})
	}
}
