// Package blueprint turns the blueprints cached in a repository into checks
// for entities: each blueprint's property schemas compiled once (natively
// when they keep to the JSON Schema Port's blueprints use, see native.go;
// by a JSON Schema library otherwise, see fallback.go), with Port's formats,
// plus Port's own rules that JSON Schema cannot say (identifiers, relations,
// computed properties, team ownership).
//
// It reads the cache directory and nothing else: no network, no printing.
// Compiled blueprints are safe to share between goroutines.
package blueprint

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/port-gitops/port-gitops/internal/entity"
	"github.com/port-gitops/port-gitops/internal/safefile"
)

// FileName returns the cache file name of a blueprint identifier. Identifiers
// may hold / and \, so they are path-escaped.
func FileName(id string) string { return url.PathEscape(id) + ".json" }

// Relation is a blueprint's relation to another blueprint.
type Relation struct {
	Target   string
	Many     bool
	Required bool
}

// Blueprint is a cached blueprint, compiled and ready to check entities.
type Blueprint struct {
	ID   string
	File string // the cache file it was read from
	// Properties lists schema property identifiers, sorted.
	Properties []string
	// Required lists schema.required.
	Required  []string
	Relations map[string]Relation
	relNames  []string // the keys of Relations, sorted
	// Computed maps mirror, calculation and aggregation property identifiers to their kind.
	Computed map[string]string
	// TeamInherited is true when ownership comes through relations, so Port
	// rejects an explicit team.
	TeamInherited bool

	hasDefault map[string]bool
	// types are the JSON Schema types a property's schema allows ("type":
	// a name or a list), and itemTypes those of an array property's items,
	// for the YAML pitfall check; absent when the schema names none.
	types, itemTypes map[string][]string
	// unchecked maps a property identifier to the patterns inside its schema
	// that Go's regexp cannot compile and so are not checked locally.
	unchecked map[string][]string
	// enums are large enums of strings checked here rather than by schema.
	enums map[string]*enumSet
	// checks are the compiled property schemas, one for each of
	// Properties, in the same order.
	checks []propertyCheck
}

// propertyCheck is one property's compiled schema: native, or else the
// fallback library's.
type propertyCheck struct {
	native   *schemaNode
	fallback *fallbackSchema
}

// check adds the findings of v, the value of property key, to w.
func (pc *propertyCheck) check(key string, v *entity.Value, w *walker) {
	if pc.native != nil {
		w.push(key, -1)
		pc.native.check(v, w)
		w.pop()
		return
	}
	if pc.fallback != nil {
		if f, bad := pc.fallback.check(key, v); bad {
			w.out = append(w.out, f)
		}
	}
}

// compileChecks compiles each property's schema natively when it keeps to
// the native language, else with the fallback library. The error is a
// *propertyError.
func compileChecks(names []string, props map[string]map[string]any) ([]propertyCheck, error) {
	checks := make([]propertyCheck, len(names))
	var outside []int
	var outsideNames []string
	for i, k := range names {
		n, err := compileNative(props[k])
		switch {
		case err == nil:
			checks[i].native = n
		case errors.Is(err, errOutside):
			outside = append(outside, i)
			outsideNames = append(outsideNames, k)
		default:
			var se *schemaError
			errors.As(err, &se)
			return nil, &propertyError{prop: k, err: se}
		}
	}
	if len(outside) == 0 {
		return checks, nil
	}
	f, err := compileFallback(props, outsideNames)
	if err != nil {
		return nil, err
	}
	for _, i := range outside {
		checks[i].fallback = f
	}
	return checks, nil
}

// LoadError says a cached blueprint file is broken.
type LoadError struct {
	File   string
	Line   int // 0 when the problem has no position
	Column int
	Msg    string
}

func (e *LoadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: broken cached blueprint: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s: broken cached blueprint: %s", e.File, e.Msg)
}

// UnknownError says an entity names a blueprint the cache does not hold.
type UnknownError struct {
	ID      string
	Known   []string
	Suggest string // closest known identifier, or ""
}

func (e *UnknownError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "blueprint %q is not in the blueprint cache", e.ID)
	if e.Suggest != "" {
		fmt.Fprintf(&b, " (did you mean %q?)", e.Suggest)
	}
	switch {
	case len(e.Known) == 0:
		b.WriteString("; the cache is empty: run port-gitops blueprints pull")
	case len(e.Known) <= 20:
		fmt.Fprintf(&b, "; known: %s", strings.Join(e.Known, ", "))
	default:
		fmt.Fprintf(&b, "; %d known, e.g. %s", len(e.Known), strings.Join(e.Known[:20], ", "))
	}
	return b.String()
}

// Cache is a blueprint cache directory. Blueprints are loaded and compiled on
// first use, once, whatever the number of goroutines asking.
type Cache struct {
	dir     string
	root    *safefile.Root // files are read inside it
	ids     []string
	files   map[string]string
	entries sync.Map // id → *cacheEntry
}

type cacheEntry struct {
	once sync.Once
	bp   *Blueprint
	err  error
}

// OpenCache lists the blueprints of dir. A directory that does not exist is
// an empty cache. Its files are read inside dir: see OpenCacheIn.
func OpenCache(dir string) (*Cache, error) {
	return OpenCacheIn(dir, dir)
}

// OpenCacheIn is OpenCache for a cache inside the repository root: the
// cache is repository content, so only regular files inside root, of at
// most safefile.MaxBlueprintFile bytes, are read as blueprints (a link is
// followed only when it stays inside root), and a cache directory that
// leads outside root is a *LoadError.
func OpenCacheIn(root, dir string) (*Cache, error) {
	c := &Cache{dir: dir, files: map[string]string{}}
	r, err := safefile.NewRoot(root)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read blueprint cache: %w", err)
	}
	c.root = r
	if _, err := r.Resolve(dir); errors.Is(err, safefile.ErrNotRegular) {
		return nil, &LoadError{File: dir, Msg: "the blueprint cache is a symbolic link that leads outside the repository"}
	}
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read blueprint cache: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") {
			continue
		}
		id, err := url.PathUnescape(strings.TrimSuffix(name, ".json"))
		if err != nil {
			continue
		}
		c.ids = append(c.ids, id)
		c.files[id] = filepath.Join(dir, name)
	}
	sort.Strings(c.ids)
	return c, nil
}

// Dir returns the cache directory.
func (c *Cache) Dir() string { return c.dir }

// IDs returns the identifiers of the cached blueprints, sorted.
func (c *Cache) IDs() []string { return c.ids }

// Get returns the compiled blueprint id: an *UnknownError when the cache has
// no such blueprint, a *LoadError when its file is broken.
func (c *Cache) Get(id string) (*Blueprint, error) {
	file, ok := c.files[id]
	if !ok {
		return nil, &UnknownError{ID: id, Known: c.ids, Suggest: entity.Suggest(id, c.ids)}
	}
	v, _ := c.entries.LoadOrStore(id, &cacheEntry{})
	e := v.(*cacheEntry)
	e.once.Do(func() {
		e.bp, e.err = c.load(id, file)
	})
	return e.bp, e.err
}

func (c *Cache) load(id, file string) (*Blueprint, error) {
	data, err := c.root.ReadFile(file, safefile.MaxBlueprintFile)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &LoadError{File: file, Msg: err.Error()}
	}
	return c.Parse(id, file, data)
}

// Parse compiles the blueprint held in data (read from file) and checks that
// it is the blueprint id. It accepts the blueprint object as Port's API
// returns it, or wrapped as {"ok": true, "blueprint": {...}}.
func (c *Cache) Parse(id, file string, data []byte) (*Blueprint, error) {
	root, _, err := entity.Parse(data)
	if err != nil {
		var se *entity.SyntaxError
		if errors.As(err, &se) {
			return nil, &LoadError{File: file, Line: se.Pos.Line, Column: se.Pos.Column, Msg: se.Msg}
		}
		return nil, &LoadError{File: file, Msg: err.Error()}
	}
	fail := func(n *entity.Value, format string, args ...any) error {
		e := &LoadError{File: file, Msg: fmt.Sprintf(format, args...)}
		if n != nil {
			e.Line, e.Column = n.Pos.Line, n.Pos.Column
		}
		return e
	}
	if root.Kind != entity.KindObject {
		return nil, fail(root, "a blueprint file holds one JSON object")
	}
	if w := root.Get("blueprint"); w != nil && root.Get("schema") == nil {
		root = w
		if root.Kind != entity.KindObject {
			return nil, fail(root, `"blueprint" must be an object`)
		}
	}
	bp := &Blueprint{
		ID: id, File: file,
		Relations:  map[string]Relation{},
		Computed:   map[string]string{},
		hasDefault: map[string]bool{},
		unchecked:  map[string][]string{},
	}
	idNode := root.Get("identifier")
	if idNode == nil || idNode.Kind != entity.KindString {
		return nil, fail(root, `blueprint has no "identifier" string`)
	}
	if idNode.Str != id {
		return nil, fail(idNode, "identifier %q does not match the file name, which is for %q", idNode.Str, id)
	}
	schemaNode := root.Get("schema")
	if schemaNode == nil || schemaNode.Kind != entity.KindObject {
		return nil, fail(root, `blueprint has no "schema" object`)
	}
	propsNode := schemaNode.Get("properties")
	if propsNode != nil && propsNode.Kind != entity.KindObject {
		return nil, fail(propsNode, `"schema.properties" must be an object`)
	}
	props := map[string]map[string]any{}
	if propsNode != nil {
		for _, m := range propsNode.Members {
			if n, msg := checkProperty(m); n != nil {
				return nil, fail(n, "%s", msg)
			}
			if err := checkRefs(file, m.Value); err != nil {
				return nil, err
			}
			def, _ := m.Value.Interface().(map[string]any)
			bp.unchecked[m.Key] = dropUncompilablePatterns(def)
			if len(bp.unchecked[m.Key]) == 0 {
				delete(bp.unchecked, m.Key)
			}
			if e := takeBigEnum(def); e != nil {
				if bp.enums == nil {
					bp.enums = map[string]*enumSet{}
				}
				bp.enums[m.Key] = e
			}
			if _, ok := def["default"]; ok {
				bp.hasDefault[m.Key] = true
			}
			bp.noteTypes(m.Key, def)
			props[m.Key] = def
			bp.Properties = append(bp.Properties, m.Key)
		}
	}
	sort.Strings(bp.Properties)
	if req := schemaNode.Get("required"); req != nil {
		if req.Kind != entity.KindArray {
			return nil, fail(req, `"schema.required" must be an array of property identifiers`)
		}
		for _, r := range req.Elems {
			if r.Kind != entity.KindString {
				return nil, fail(r, `"schema.required" must hold property identifiers`)
			}
			bp.Required = append(bp.Required, r.Str)
		}
	}
	if rels := root.Get("relations"); rels != nil && rels.Kind != entity.KindNull {
		if rels.Kind != entity.KindObject {
			return nil, fail(rels, `"relations" must be an object`)
		}
		for _, m := range rels.Members {
			r, err := parseRelation(m, fail)
			if err != nil {
				return nil, err
			}
			bp.Relations[m.Key] = r
			bp.relNames = append(bp.relNames, m.Key)
		}
		sort.Strings(bp.relNames)
	}
	for kind, key := range map[string]string{"mirror": "mirrorProperties", "calculation": "calculationProperties", "aggregation": "aggregationProperties"} {
		if n := root.Get(key); n != nil && n.Kind == entity.KindObject {
			for _, m := range n.Members {
				bp.Computed[m.Key] = kind
			}
		}
	}
	if own := root.Get("ownership"); own != nil && own.Kind == entity.KindObject {
		if t := own.Get("type"); t != nil && t.Kind == entity.KindString && t.Str == "Inherited" {
			bp.TeamInherited = true
		}
	}
	if ti := root.Get("teamInheritance"); ti != nil && ti.Kind == entity.KindObject {
		bp.TeamInherited = true
	}
	checks, err := compileChecks(bp.Properties, props)
	if err != nil {
		var pe *propertyError
		errors.As(err, &pe)
		at := propsNode.Get(pe.prop)
		if at == nil {
			at = propsNode
		}
		if deep := at.Lookup(pe.err.loc); deep != nil {
			at = deep
		}
		return nil, fail(at, "%v", &propertyCompileError{prop: pe.prop, loc: pe.err.loc, msg: compileMessage(pe.err)})
	}
	bp.checks = checks
	return bp, nil
}

// compileMessage is a schema error's message, with where it is inside the
// property's definition.
func compileMessage(se *schemaError) string {
	if len(se.loc) == 0 {
		return se.msg
	}
	return fmt.Sprintf("%q: %s", strings.Join(se.loc, "/"), se.msg)
}

func parseRelation(m entity.Member, fail func(*entity.Value, string, ...any) error) (Relation, error) {
	v := m.Value
	if v.Kind != entity.KindObject {
		return Relation{}, fail(v, "relation %q must be an object", m.Key)
	}
	var r Relation
	t := v.Get("target")
	if t == nil || t.Kind != entity.KindString {
		return Relation{}, fail(v, "relation %q has no target blueprint", m.Key)
	}
	r.Target = t.Str
	for key, dst := range map[string]*bool{"many": &r.Many, "required": &r.Required} {
		if n := v.Get(key); n != nil {
			if n.Kind != entity.KindBool {
				return Relation{}, fail(n, "relation %q: %q must be true or false", m.Key, key)
			}
			*dst = n.Bool
		}
	}
	if r.Many && r.Required {
		return Relation{}, fail(v.Get("required"), "relation %q: many and required cannot both be true (Port rejects such a relation)", m.Key)
	}
	return r, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		rest := strings.TrimSpace(s[i+1:])
		s = strings.TrimSpace(s[:i])
		if rest != "" {
			s += " " + strings.Join(strings.Fields(rest), " ")
		}
	}
	return s
}

// dropUncompilablePatterns removes, anywhere inside a property schema, the
// patterns Go's regexp (RE2) cannot compile (ECMA-262 lookaround,
// backreferences), and returns them. Port still checks them; we cannot.
func dropUncompilablePatterns(v any) []string {
	var dropped []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if p, ok := t["pattern"].(string); ok {
				if _, err := regexp.Compile(p); err != nil {
					dropped = append(dropped, p)
					delete(t, "pattern")
				}
			}
			if pp, ok := t["patternProperties"].(map[string]any); ok {
				for p := range pp {
					if _, err := regexp.Compile(p); err != nil {
						dropped = append(dropped, p)
						delete(pp, p)
					}
				}
			}
			for k, child := range t {
				if k == "enum" || k == "const" || k == "default" || k == "examples" {
					continue
				}
				walk(child)
			}
		case []any:
			for _, child := range t {
				walk(child)
			}
		}
	}
	walk(v)
	sort.Strings(dropped)
	return dropped
}

// noteTypes records the types a property's schema allows, and those of its
// items, for ScalarPitfall.
func (b *Blueprint) noteTypes(key string, def map[string]any) {
	if t := schemaTypes(def); t != nil {
		if b.types == nil {
			b.types = map[string][]string{}
		}
		b.types[key] = t
	}
	if items, ok := def["items"].(map[string]any); ok {
		if t := schemaTypes(items); t != nil {
			if b.itemTypes == nil {
				b.itemTypes = map[string][]string{}
			}
			b.itemTypes[key] = t
		}
	}
}

// schemaTypes returns a schema's "type" as a list, or nil when it has none
// or it is not a name or a list of names.
func schemaTypes(def map[string]any) []string {
	switch t := def["type"].(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	return nil
}

// PropertyType returns the "type" of schema property name (string, number,
// boolean, object or array), or "" when the blueprint has no such property
// or it names no single type.
func (b *Blueprint) PropertyType(name string) string {
	if t := b.types[name]; len(t) == 1 {
		return t[0]
	}
	return ""
}
