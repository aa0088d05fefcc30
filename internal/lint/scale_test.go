package lint

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/report"
)

// oldValid is the rule File applied entity by entity against every finding
// (quadratic): TestArrayFileEntitiesMarked checks the linear one agrees.
func oldValid(fr FileResult) []bool {
	out := make([]bool, len(fr.Entities))
	for i, e := range fr.Entities {
		out[i] = true
		for _, f := range fr.Findings {
			if f.Severity == report.Error && (e.Pointer == "" || f.Pointer == e.Pointer || strings.HasPrefix(f.Pointer, e.Pointer+"/") || f.Pointer == "") {
				out[i] = false
			}
		}
	}
	return out
}

// An array file where entity 1 is fine but 10-19 are not (a pointer /1 must
// not catch /10), every third entity misses the required tier (a finding at
// the entity's properties) and some have an unknown top-level field (a
// finding from the envelope).
func TestArrayFileEntitiesMarked(t *testing.T) {
	c := cache(t, map[string]string{"service": serviceBlueprint})
	var b strings.Builder
	b.WriteString("[")
	const n = 300
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		switch {
		case i >= 10 && i < 20:
			fmt.Fprintf(&b, `{"identifier":"e%d","properties":{"tier":"gold","replicas":0}}`, i)
		case i%3 == 0:
			fmt.Fprintf(&b, `{"identifier":"e%d","properties":{}}`, i)
		case i%7 == 0:
			fmt.Fprintf(&b, `{"identifier":"e%d","colour":"red","properties":{"tier":"gold"}}`, i)
		default:
			fmt.Fprintf(&b, `{"identifier":"e%d","properties":{"tier":"gold"}}`, i)
		}
	}
	b.WriteString("]")
	fr := (&Linter{Cache: c}).File(source("all.json", b.String()))
	if len(fr.Entities) != n {
		t.Fatalf("%d entities, want %d", len(fr.Entities), n)
	}
	want := oldValid(fr)
	for i, e := range fr.Entities {
		if e.Valid != want[i] {
			t.Errorf("entity %s: Valid = %v, the per-finding rule says %v", e.Pointer, e.Valid, want[i])
		}
	}
	if !fr.Entities[1].Valid || fr.Entities[10].Valid || fr.Entities[3].Valid || !fr.Entities[4].Valid {
		t.Errorf("entities 1, 10, 3, 4: Valid %v %v %v %v, want true false false true",
			fr.Entities[1].Valid, fr.Entities[10].Valid, fr.Entities[3].Valid, fr.Entities[4].Valid)
	}

	// In a one-entity file any error invalidates the entity.
	one := (&Linter{Cache: c}).File(source("one.json", `{"identifier":"x","properties":{"tier":"gold","replicas":0}}`))
	if len(one.Entities) != 1 || one.Entities[0].Valid {
		t.Errorf("one-entity file with an error: %+v", one.Entities)
	}

	res, err := (&Linter{Cache: c, Workers: 2}).Run(context.Background(), []Source{source("all.json", b.String())})
	if err != nil {
		t.Fatal(err)
	}
	sorted := append([]report.Finding(nil), res.Findings...)
	report.Sort(sorted)
	if !reflect.DeepEqual(sorted, res.Findings) {
		t.Error("findings are not sorted")
	}
	fileSorted := append([]report.Finding(nil), fr.Findings...)
	report.Sort(fileSorted)
	if !reflect.DeepEqual(fileSorted, res.Findings) {
		t.Errorf("Run found %d findings, File %d, or different ones", len(res.Findings), len(fr.Findings))
	}
}

// An identifier defined many times: each finding names five other places
// and says how many more, instead of all of them.
func TestDuplicateMessageNamesAFew(t *testing.T) {
	c := cache(t, map[string]string{"service": serviceBlueprint})
	var srcs []Source
	for i := range 1200 {
		srcs = append(srcs, source(fmt.Sprintf("d/%04d.json", i), `{"identifier":"same","properties":{"tier":"gold"}}`))
	}
	res, err := (&Linter{Cache: c}).Run(context.Background(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1200 {
		t.Fatalf("%d findings, want 1200", len(res.Findings))
	}
	first := res.Findings[0]
	want := `entity "same" of blueprint "service" is also defined at d/0001.json:1:1, d/0002.json:1:1, d/0003.json:1:1, d/0004.json:1:1, d/0005.json:1:1 and 1,194 more places`
	if first.File != "d/0000.json" || first.Message != want {
		t.Errorf("%s: %s\nwant %s", first.File, first.Message, want)
	}
	for _, e := range res.Entities {
		if e.Valid {
			t.Fatalf("%s: a duplicate is valid", e.File)
		}
	}

	two, err := (&Linter{Cache: c}).Run(context.Background(), srcs[:2])
	if err != nil {
		t.Fatal(err)
	}
	if got := two.Findings[1].Message; got != `entity "same" of blueprint "service" is also defined at d/0000.json:1:1` {
		t.Errorf("two places: %s", got)
	}
}
