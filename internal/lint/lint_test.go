package lint

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/port-gitops/port-gitops/internal/blueprint"
	"github.com/port-gitops/port-gitops/internal/report"
)

const serviceBlueprint = `{
  "identifier": "service",
  "title": "Service",
  "schema": {
    "properties": {
      "tier": {"type": "string", "enum": ["gold", "silver"]},
      "replicas": {"type": "number", "minimum": 1}
    },
    "required": ["tier"]
  },
  "relations": {}
}`

func cache(t *testing.T, blueprints map[string]string) *blueprint.Cache {
	t.Helper()
	dir := t.TempDir()
	for id, body := range blueprints {
		if err := os.WriteFile(filepath.Join(dir, id+".json"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := blueprint.OpenCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func source(file, body string) Source {
	return Source{File: file, Blueprint: "service", Load: func() ([]byte, error) { return []byte(body), nil }}
}

// catalog is a set of files with findings of every kind lint produces:
// per file, per entity, and across files.
func catalog() []Source {
	var srcs []Source
	for i := range 40 {
		tier := "gold"
		if i%7 == 0 {
			tier = "bronze" // enum
		}
		srcs = append(srcs, source(fmt.Sprintf("svc/%02d/entity.json", i),
			fmt.Sprintf(`{"identifier":"svc-%d","properties":{"tier":%q,"replicas":%d}}`, i, tier, i%3)))
	}
	srcs = append(srcs,
		source("dup/a.json", `{"identifier":"twice","properties":{"tier":"gold"}}`),
		source("dup/b.json", `[{"identifier":"once","properties":{"tier":"gold"}},{"identifier":"twice","properties":{"tier":"silver"}}]`),
		source("broken.json", `{"identifier": "x",`),
		source("shapes.json", `[{"identifier":"k","identifier":"k","properties":{"tier":"gold"}},{"title":"no id"},{"identifier":"f","colour":"red","properties":{"tier":"gold"}},3]`),
		Source{File: "unreadable.json", Load: func() ([]byte, error) { return nil, errors.New("permission denied") }},
	)
	return srcs
}

func TestRunIsTheSameWhateverTheWorkersAndOrder(t *testing.T) {
	c := cache(t, map[string]string{"service": serviceBlueprint})
	want, err := (&Linter{Cache: c, Workers: 1}).Run(context.Background(), catalog())
	if err != nil {
		t.Fatal(err)
	}
	if want.Files != 45 || len(want.Entities) != 45 {
		t.Fatalf("files %d, entities %d", want.Files, len(want.Entities))
	}
	rules := map[string]int{}
	for _, f := range want.Findings {
		rules[f.Rule]++
		if !report.KnownRule(f.Rule) {
			t.Errorf("rule %q is not among report's described rules", f.Rule)
		}
	}
	// 40 files with replicas i%3: 14 zeros; i%7==0: 6 bad tiers; one
	// identifier in two files (two findings); one syntax error; one read error.
	for rule, n := range map[string]int{"minimum": 14, "enum": 6, "duplicate-entity": 2, "json-syntax": 1, "file": 1,
		"duplicate-key": 1, "identifier-missing": 1, "unknown-field": 1, "entity-shape": 1} {
		if rules[rule] != n {
			t.Errorf("%d %s findings, want %d (all: %v)", rules[rule], rule, n, rules)
		}
	}
	for _, workers := range []int{2, 8} {
		srcs := catalog()
		for i, j := 0, len(srcs)-1; i < j; i, j = i+1, j-1 {
			srcs[i], srcs[j] = srcs[j], srcs[i]
		}
		got, err := (&Linter{Cache: c, Workers: workers}).Run(context.Background(), srcs)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d workers, sources reversed: a different result", workers)
		}
	}
	// RunParallel from several goroutines at once: the same again.
	got, err := (&Linter{Cache: c}).RunParallel(context.Background(), func(check func(Source)) error {
		var wg sync.WaitGroup
		for _, s := range catalog() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				check(s)
			}()
		}
		wg.Wait()
		return nil
	})
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("RunParallel: a different result (%v)", err)
	}
}

func TestFindingsSortedAndEntitiesMarked(t *testing.T) {
	c := cache(t, map[string]string{"service": serviceBlueprint})
	res, err := (&Linter{Cache: c}).Run(context.Background(), catalog())
	if err != nil {
		t.Fatal(err)
	}
	sorted := append([]report.Finding(nil), res.Findings...)
	report.Sort(sorted)
	if !reflect.DeepEqual(sorted, res.Findings) {
		t.Error("findings are not sorted")
	}
	valid := map[string]bool{}
	for _, e := range res.Entities {
		valid[e.File+e.Pointer] = e.Valid
	}
	for key, want := range map[string]bool{
		"svc/01/entity.json": true,  // replicas 1, gold
		"svc/00/entity.json": false, // replicas 0 and bronze
		"dup/b.json/0":       true,
		"dup/b.json/1":       false, // defined twice: neither place is sent
		"dup/a.json":         false,
	} {
		if valid[key] != want {
			t.Errorf("%s: Valid = %v, want %v", key, valid[key], want)
		}
	}
}

// Without KeepNodes no tree survives the check (their memory is reused for
// the next file); with it, every tree is whole after all files are checked.
func TestKeepNodes(t *testing.T) {
	c := cache(t, map[string]string{"service": serviceBlueprint})
	res, err := (&Linter{Cache: c, Workers: 2}).Run(context.Background(), catalog())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Entities {
		if e.Node != nil {
			t.Fatalf("%s%s: Node kept without KeepNodes", e.File, e.Pointer)
		}
	}
	res, err = (&Linter{Cache: c, Workers: 2, KeepNodes: true}).Run(context.Background(), catalog())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Entities {
		if e.Node == nil {
			t.Fatalf("%s%s: no Node with KeepNodes", e.File, e.Pointer)
		}
		if id := e.Node.Get("identifier"); id == nil || id.Str != e.Identifier {
			t.Fatalf("%s%s: the kept tree says identifier %v, the entity %q", e.File, e.Pointer, id, e.Identifier)
		}
	}
}

func TestBrokenBlueprintReportedOnce(t *testing.T) {
	c := cache(t, map[string]string{"service": `{"identifier":"service","schema":{"properties":{"x":{"type":"strng"}}}}`})
	res, err := (&Linter{Cache: c}).Run(context.Background(), catalog())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.BlueprintErrors) != 1 || !strings.Contains(res.BlueprintErrors[0].Error(), "service") {
		t.Fatalf("blueprint errors: %v", res.BlueprintErrors)
	}
}

func TestCancelled(t *testing.T) {
	c := cache(t, map[string]string{"service": serviceBlueprint})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Linter{Cache: c}).Run(ctx, catalog()); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
}
