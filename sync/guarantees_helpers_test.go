package sync

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

// stateCommit returns the commit the sync state records ("" if none).
func (f *fixture) stateCommit() string {
	f.t.Helper()
	rec, _ := f.stateEntity()
	return rec.Commit
}

// stateEntity returns the state entity's commit and pending record.
func (f *fixture) stateEntity() (stateRecord, bool) {
	f.t.Helper()
	for id, raw := range f.srv.Entities(StateBlueprint) {
		if strings.Contains(id, ".lock") {
			continue
		}
		var e struct {
			Properties struct {
				Commit  string     `json:"commit"`
				Pending pendingSet `json:"pending"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			f.t.Fatal(err)
		}
		return stateRecord{Commit: e.Properties.Commit, Pending: e.Properties.Pending}, true
	}
	return stateRecord{}, false
}

// stateID is the identifier of the one state entity.
func (f *fixture) stateID() string {
	f.t.Helper()
	for id := range f.srv.Entities(StateBlueprint) {
		if !strings.Contains(id, ".lock") {
			return id
		}
	}
	f.t.Fatal("no state entity in Port")
	return ""
}

// headCatalog reads every entity file of the working tree (the tests commit
// everything, so it is HEAD) as blueprint → identifier → entity without its
// "blueprint" key, as Port should store it.
func (f *fixture) headCatalog() map[string]map[string]any {
	f.t.Helper()
	want := map[string]map[string]any{"service": {}, "system": {}}
	err := filepath.WalkDir(f.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(f.dir, p)
		rel = filepath.ToSlash(rel)
		defBP := ""
		switch {
		case d.IsDir():
			return nil
		case strings.HasPrefix(rel, "services/") && strings.HasSuffix(rel, "/entity.json"):
			defBP = "service"
		case strings.HasPrefix(rel, "catalog/") && strings.HasSuffix(rel, ".json"):
		default:
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			f.t.Fatalf("%s at HEAD is not valid JSON (a settled test ends on a valid HEAD): %v", rel, err)
		}
		list, ok := v.([]any)
		if !ok {
			list = []any{v}
		}
		for _, x := range list {
			e := x.(map[string]any)
			bp := defBP
			if b, ok := e["blueprint"].(string); ok {
				bp = b
			}
			delete(e, "blueprint")
			want[bp][e["identifier"].(string)] = e
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return want
}

// settled checks the whole catalog in the emulator against HEAD, then that
// a re-run (with --prune) sends no upsert and no delete.
func (f *fixture) settled() {
	f.t.Helper()
	want := f.headCatalog()
	for bp, ents := range want {
		got := map[string]any{}
		for id, raw := range f.srv.Entities(bp) {
			var e any
			if err := json.Unmarshal(raw, &e); err != nil {
				f.t.Fatal(err)
			}
			got[id] = e
		}
		if !reflect.DeepEqual(got, ents) {
			var missing, extra, differ []string
			for id, e := range ents {
				g, ok := got[id]
				switch {
				case !ok:
					missing = append(missing, id)
				case !reflect.DeepEqual(g, e):
					differ = append(differ, id)
				}
			}
			for id := range got {
				if _, ok := ents[id]; !ok {
					extra = append(extra, id)
				}
			}
			sort.Strings(missing)
			sort.Strings(extra)
			sort.Strings(differ)
			f.t.Fatalf("blueprint %s in Port differs from HEAD: missing %v, not at HEAD %v, different %v", bp, missing, extra, differ)
		}
	}
	f.srv.ResetRequests()
	r := f.sync(func(o *Options) { o.Prune = true })
	if r.err != nil {
		f.t.Fatalf("re-run: %v\n%s%s", r.err, r.out, r.errOut)
	}
	for _, req := range f.srv.Requests() {
		if req.Method == "POST" && (strings.HasSuffix(req.Path, "/entities/bulk") || strings.HasSuffix(req.Path, "/bulk/entities/delete")) {
			f.t.Fatalf("a re-run after a settled sync sent %s %s\n%s", req.Method, req.Path, r.out)
		}
	}
}

// bulkDeletes counts the bulk delete requests received.
func (f *fixture) bulkDeletes() int {
	n := 0
	for _, r := range f.srv.Requests() {
		if strings.HasSuffix(r.Path, "/bulk/entities/delete") {
			n++
		}
	}
	return n
}

func serviceIDs(f *fixture) []string { return ids(f.catalog("service")) }
