package sync

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/entitydiff"
)

// A first sync into a catalog that already holds what git defines sends
// nothing but what differs, in a handful of requests.
func TestFirstSyncComparesWithPort(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const n = 300
	files := map[string]string{}
	for i := range n {
		id := fmt.Sprintf("s%04d", i)
		files["services/"+id+"/entity.json"] = svc(id, "critical")
		// As sync would have written it (Port's own shape, with nulls for
		// what is unset, is TestSamePort's).
		raw := fmt.Sprintf(`{"identifier": %q, "title": %q, "properties": {"tier": "critical"}}`, id, id)
		if i == 7 {
			raw = strings.Replace(raw, `"tier": "critical"`, `"tier": "standard"`, 1) // edited by hand
		}
		if i == 8 {
			continue // missing from Port
		}
		if err := f.srv.PutEntity("service", json.RawMessage(raw)); err != nil {
			t.Fatal(err)
		}
	}
	f.write(files)
	f.commit("catalog")
	f.srv.ResetRequests()
	r := f.sync(nil)
	if r.err != nil {
		t.Fatalf("first sync: %v\n%s%s", r.err, r.out, r.errOut)
	}
	var sent []string
	for _, req := range f.srv.Requests() {
		if strings.HasSuffix(req.Path, "/service/entities/bulk") {
			var body struct{ Entities []struct{ Identifier string } }
			if err := json.Unmarshal(req.Body, &body); err != nil {
				t.Fatal(err)
			}
			for _, e := range body.Entities {
				sent = append(sent, e.Identifier)
			}
		}
	}
	if strings.Join(sent, ",") != "s0007,s0008" {
		t.Fatalf("sent %v, want only the edited s0007 and the missing s0008", sent)
	}
	if got := len(f.srv.Requests()); got > 15 {
		t.Errorf("%d requests for %d entities, most of them unchanged", got, n)
	}
	if !strings.Contains(r.out, "298") {
		t.Errorf("the report does not count 298 unchanged:\n%s", r.out)
	}
	f.settled()
}

func TestSamePort(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		body, port string
		merge      bool
		want       bool
	}{
		{"equal", `{"identifier":"a","properties":{"n":1}}`, `{"identifier":"a","properties":{"n":1.0,"m":null},"relations":{}}`, false, true},
		{"a property Port has that the file does not set", `{"identifier":"a","properties":{"n":1}}`, `{"identifier":"a","properties":{"n":1,"m":"x"}}`, false, false},
		{"... kept with --merge", `{"identifier":"a","properties":{"n":1}}`, `{"identifier":"a","properties":{"n":1,"m":"x"}}`, true, true},
		{"team string and list", `{"identifier":"a","team":"t"}`, `{"identifier":"a","team":["t"]}`, false, true},
		{"no team and []", `{"identifier":"a"}`, `{"identifier":"a","team":[]}`, false, true},
		{"title differs", `{"identifier":"a","title":"A"}`, `{"identifier":"a","title":"B"}`, false, false},
		{"title Port has, the file not", `{"identifier":"a"}`, `{"identifier":"a","title":"B"}`, false, false},
		{"nested object", `{"identifier":"a","properties":{"o":{"k":[1,2]}}}`, `{"identifier":"a","properties":{"o":{"k":[1,2]}}}`, false, true},
		{"array order matters for properties", `{"identifier":"a","properties":{"l":[1,2]}}`, `{"identifier":"a","properties":{"l":[2,1]}}`, false, false},
		{"a huge exponent is not computed", `{"identifier":"a","properties":{"n":1e999999999}}`, `{"identifier":"a","properties":{"n":1}}`, false, false},
		{"an unknown top-level key is sent", `{"identifier":"a","x":1}`, `{"identifier":"a","x":1}`, false, false},
		{"a team search query is sent", `{"identifier":"a","team":{"combinator":"and","rules":[]}}`, `{"identifier":"a","team":[]}`, false, false},
	}
	for _, c := range cases {
		if got := entitydiff.Same(json.RawMessage(c.body), json.RawMessage(c.port), nil, c.merge); got != c.want {
			t.Errorf("%s: Same = %v, want %v", c.name, got, c.want)
		}
	}
}
