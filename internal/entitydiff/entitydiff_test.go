package entitydiff

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/blueprint"
)

func TestDiffNamesTheFields(t *testing.T) {
	bp := &blueprint.Blueprint{Relations: map[string]blueprint.Relation{"deps": {Many: true}}}
	cases := []struct {
		name, body, port string
		merge            bool
		want             string // Field: old → new, joined by "; "
		ok               bool
	}{
		{"equal by Port's rules", `{"identifier":"a","properties":{"n":1},"relations":{"deps":["x","y"]}}`,
			`{"identifier":"a","team":[],"properties":{"n":1.0,"m":null},"relations":{"deps":["y","x"],"other":null}}`, false, "", true},
		{"a property edited in Port", `{"identifier":"a","properties":{"tier":"critical"}}`,
			`{"identifier":"a","properties":{"tier":"standard"}}`, false, "properties.tier: standard → critical", true},
		{"a property Port has that the file does not set", `{"identifier":"a","properties":{"n":1}}`,
			`{"identifier":"a","properties":{"m":"x","n":1}}`, false, "properties.m: x → <nil>", true},
		{"... not compared with merge", `{"identifier":"a","properties":{"n":1}}`,
			`{"identifier":"a","properties":{"m":"x","n":1}}`, true, "", true},
		{"title, team and a relation, sorted", `{"identifier":"a","title":"A","team":"t1","relations":{"deps":["x"]}}`,
			`{"identifier":"a","title":"B","team":["t2"],"relations":{"deps":["x","z"]}}`, false,
			"title: B → A; team: [t2] → t1; relations.deps: [x z] → [x]", true},
		{"an unknown key cannot be compared", `{"identifier":"a","x":1}`, `{"identifier":"a","x":1}`, false, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changes, ok := Diff(json.RawMessage(c.body), json.RawMessage(c.port), bp, c.merge)
			var got []string
			for _, ch := range changes {
				got = append(got, fmt.Sprintf("%s: %v → %v", ch.Field, ch.Old, ch.New))
			}
			if strings.Join(got, "; ") != c.want || ok != c.ok {
				t.Errorf("Diff = %q, ok %v; want %q, ok %v", strings.Join(got, "; "), ok, c.want, c.ok)
			}
			if Same(json.RawMessage(c.body), json.RawMessage(c.port), bp, c.merge) != (c.want == "" && c.ok) {
				t.Errorf("Same disagrees with Diff")
			}
		})
	}
}
