package lint

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/port-gitops/port-gitops/internal/report"
)

// arrivals is n one-entity file results in the order two walk workers hand
// them over: two sorted halves, interleaved at random. One file in 50 has
// a finding, and every 1,000th entity is defined again in the next file.
func arrivals(n int) []FileResult {
	rs := make([]FileResult, n)
	for i := range rs {
		file := fmt.Sprintf("services/g%03d/svc-%05d/entity.json", i/100, i)
		id := fmt.Sprintf("svc-%05d", i)
		if i%1000 == 1 {
			id = fmt.Sprintf("svc-%05d", i-1)
		}
		rs[i] = FileResult{file: file, Entities: []Entity{{File: file, Line: 1, Column: 1, Blueprint: "service", Identifier: id, Valid: true}}}
		if i%50 == 49 {
			rs[i].Findings = []report.Finding{{File: file, Line: 7, Column: 13, Rule: "enum", Severity: report.Error, Message: "not one of the values"}}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]FileResult, 0, n)
	a, b := rs[:n/2], rs[n/2:]
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || (len(a) > 0 && rng.IntN(2) == 0) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

// merge gives the same result whatever order the files arrived in: files
// in path order, findings sorted, duplicates found at both places.
func TestMergeOrder(t *testing.T) {
	in := arrivals(3000)
	got := merge(slices.Clone(in))
	rev := slices.Clone(in)
	slices.Reverse(rev)
	again := merge(rev)
	if len(got.Entities) != 3000 || got.Files != 3000 {
		t.Fatalf("%d entities, %d files", len(got.Entities), got.Files)
	}
	if !slices.IsSortedFunc(got.Entities, func(a, b Entity) int { return cmpString(a.File, b.File) }) {
		t.Fatal("entities not in path order")
	}
	dups := 0
	for _, f := range got.Findings {
		if f.Rule == "duplicate-entity" {
			dups++
		}
	}
	if dups != 6 { // svc-00000, svc-01000, svc-02000, each at two places
		t.Fatalf("%d duplicate-entity findings, want 6", dups)
	}
	if len(got.Findings) != 60+6 {
		t.Fatalf("%d findings, want 66", len(got.Findings))
	}
	if fmt.Sprint(got.Findings) != fmt.Sprint(again.Findings) || fmt.Sprint(got.Entities) != fmt.Sprint(again.Entities) {
		t.Fatal("the result depends on arrival order")
	}
	for _, e := range got.Entities {
		if want := e.Identifier != "svc-00000" && e.Identifier != "svc-01000" && e.Identifier != "svc-02000"; e.Valid != want {
			t.Fatalf("%s valid %v", e.File, e.Valid)
		}
	}
	if empty := merge(nil); empty.Entities != nil || empty.Findings != nil {
		t.Fatalf("no files: %+v", empty)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// BenchmarkMerge is the serial tail of a validate run of 10,000 files:
// results back in path order, entities together, duplicates, sorting.
func BenchmarkMerge(b *testing.B) {
	in := arrivals(10000)
	work := make([]FileResult, len(in))
	b.ReportAllocs()
	for b.Loop() {
		copy(work, in)
		for i := range work {
			work[i].Entities[0].Valid = true
		}
		merge(work)
	}
}
