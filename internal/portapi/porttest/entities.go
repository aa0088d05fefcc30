package porttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"unicode/utf8"
)

// entityIDPattern is Port's entity identifier pattern, without the
// lookahead that refuses "." and ".." (checked apart).
var entityIDPattern = regexp.MustCompile(`^[\p{L}0-9@_.+:\\/=-]+$`)

func validEntityID(id string) bool {
	return id != "." && id != ".." && entityIDPattern.MatchString(id) && utf8.RuneCountInString(id) <= 1000
}

// decodeObject reads a JSON object body, answering 422 when it is not one.
func decodeObject(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	var m map[string]any
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m == nil {
		fail(w, http.StatusUnprocessableEntity, "invalid_request", "the body must be a JSON object")
		return nil, false
	}
	return m, true
}

// upsertFlags are the query flags of entity writes.
type upsertFlags struct{ upsert, merge, validationOnly, createMissing bool }

// boolParams reads boolean query parameters: absent is false, anything but
// true or false is an error.
func boolParams(q url.Values, names ...string) ([]bool, error) {
	out := make([]bool, len(names))
	for i, n := range names {
		switch q.Get(n) {
		case "", "false":
		case "true":
			out[i] = true
		default:
			return nil, fmt.Errorf("query parameter %s must be true or false, got %q", n, q.Get(n))
		}
	}
	return out, nil
}

func parseFlags(q url.Values) (upsertFlags, error) {
	b, err := boolParams(q, "upsert", "merge", "validation_only", "create_missing_related_entities")
	if err != nil {
		return upsertFlags{}, err
	}
	return upsertFlags{b[0], b[1], b[2], b[3]}, nil
}

// failure is Port refusing one entity.
type failure struct {
	status    int
	code, msg string
}

func (f *failure) write(w http.ResponseWriter) { fail(w, f.status, f.code, f.msg) }

func invalid(format string, args ...any) *failure {
	return &failure{http.StatusUnprocessableEntity, "invalid_request", fmt.Sprintf(format, args...)}
}

func mismatch(format string, args ...any) *failure {
	return &failure{http.StatusUnprocessableEntity, "blueprint_schema_mismatch", fmt.Sprintf(format, args...)}
}

// checkShape is the route schema of an entity: a string identifier in the
// pattern, title and icon strings, team a string or strings, properties and
// relations objects, relation values an identifier, identifiers or null.
func checkShape(e map[string]any) *failure {
	id, ok := e["identifier"].(string)
	if !ok {
		return invalid("the entity needs a string identifier (porttest does not generate identifiers or accept search queries)")
	}
	if !validEntityID(id) {
		return invalid("identifier %q does not match the pattern ^(?!\\.{1,2}$)[\\p{L}0-9@_.+:\\\\/=-]+$ (max 1000 characters)", id)
	}
	for _, k := range []string{"title", "icon"} {
		if v, ok := e[k]; ok && v != nil {
			if _, ok := v.(string); !ok {
				return invalid("%s of entity %q must be a string", k, id)
			}
		}
	}
	if v, ok := e["team"]; ok && v != nil {
		switch t := v.(type) {
		case string:
		case []any:
			for _, x := range t {
				if _, ok := x.(string); !ok {
					return invalid("team of entity %q must be a string or an array of strings", id)
				}
			}
		default:
			return invalid("team of entity %q must be a string or an array of strings", id)
		}
	}
	if v, ok := e["properties"]; ok {
		if _, ok := v.(map[string]any); !ok {
			return invalid("properties of entity %q must be an object", id)
		}
	}
	if v, ok := e["relations"]; ok {
		rels, ok := v.(map[string]any)
		if !ok {
			return invalid("relations of entity %q must be an object", id)
		}
		for name, rv := range rels {
			switch t := rv.(type) {
			case nil:
			case string:
				if !validEntityID(t) {
					return invalid("relation %q of entity %q: %q does not match the identifier pattern", name, id, t)
				}
			case []any:
				for _, x := range t {
					if s, ok := x.(string); !ok || !validEntityID(s) {
						return invalid("relation %q of entity %q: every item must be an identifier", name, id)
					}
				}
			default:
				return invalid("relation %q of entity %q must be an identifier, an array of identifiers or null (porttest does not support search queries)", name, id)
			}
		}
	}
	return nil
}

// target is a related entity.
type target struct{ bp, id string }

// write validates e (already shape-checked) as an entity of bpID and, unless
// validation only, stores it. It returns whether the entity is (or would
// be) new. s.mu is held.
func (s *Server) write(bpID string, e map[string]any, f upsertFlags) (created bool, stored map[string]any, fl *failure) {
	bp := s.blueprints[bpID]
	id := e["identifier"].(string)
	delete(e, "blueprint") // Port's own clients send it; it is the path's
	existing, exists := s.entities[bpID][id]

	final := e
	if exists && f.upsert && f.merge {
		final = merge(existing.e, e)
	}
	final = dropNulls(final)
	if fl := checkProperties(bpID, bp, final); fl != nil {
		return false, nil, fl
	}
	missing, fl := s.checkRelations(bpID, bp, final)
	if fl != nil {
		return false, nil, fl
	}
	if len(missing) > 0 && !f.createMissing {
		m := missing[0]
		return false, nil, &failure{http.StatusNotFound, "not_found",
			fmt.Sprintf("related entity %q of blueprint %q was not found (entity %q)", m.id, m.bp, id)}
	}
	if exists && !f.upsert {
		return false, nil, &failure{http.StatusConflict, "identifier_taken",
			fmt.Sprintf("an entity with identifier %q already exists in blueprint %q", id, bpID)}
	}
	if f.validationOnly {
		return !exists, final, nil
	}
	for _, m := range missing {
		if _, ok := s.blueprints[m.bp]; !ok {
			return false, nil, &failure{http.StatusNotFound, "not_found", fmt.Sprintf("blueprint %q of related entity %q was not found", m.bp, m.id)}
		}
	}
	for _, m := range missing {
		if _, ok := s.entities[m.bp][m.id]; !ok {
			s.store(m.bp, m.id, map[string]any{"identifier": m.id, "properties": map[string]any{}, "relations": map[string]any{}})
		}
	}
	return s.store(bpID, id, final), final, nil
}

// merge overlays e on old: top-level keys replace, properties and relations
// merge key by key.
func merge(old, e map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range old {
		out[k] = v
	}
	for k, v := range e {
		if k == "properties" || k == "relations" {
			m := map[string]any{}
			if o, ok := old[k].(map[string]any); ok {
				for kk, vv := range o {
					m[kk] = vv
				}
			}
			if n, ok := v.(map[string]any); ok {
				for kk, vv := range n {
					m[kk] = vv
				}
			}
			out[k] = m
			continue
		}
		out[k] = v
	}
	return out
}

// dropNulls returns e without null properties and relations: null clears.
func dropNulls(e map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range e {
		out[k] = v
	}
	for _, k := range []string{"properties", "relations"} {
		m, ok := e[k].(map[string]any)
		if !ok {
			continue
		}
		clean := map[string]any{}
		for kk, vv := range m {
			if vv != nil {
				clean[kk] = vv
			}
		}
		out[k] = clean
	}
	return out
}

// checkProperties: every property declared, of its JSON type, in its enum;
// every required property present.
func checkProperties(bpID string, bp, e map[string]any) *failure {
	schema, _ := bp["schema"].(map[string]any)
	defs, _ := schema["properties"].(map[string]any)
	props, _ := e["properties"].(map[string]any)
	for _, k := range sortedKeys(props) {
		v := props[k]
		def, ok := defs[k].(map[string]any)
		if !ok {
			return mismatch("property %q is not defined in blueprint %q", k, bpID)
		}
		if want, _ := def["type"].(string); want != "" && jsonType(v) != want {
			return mismatch("property %q must be of type %s, got %s", k, want, jsonType(v))
		}
		if enum, ok := def["enum"].([]any); ok && !contains(enum, v) {
			return mismatch("property %q must be one of the enum values %v, got %v", k, enum, v)
		}
	}
	required, _ := schema["required"].([]any)
	for _, r := range required {
		name, _ := r.(string)
		if _, ok := props[name]; !ok {
			return mismatch("required property %q is missing", name)
		}
	}
	return nil
}

// checkRelations: every relation declared and of its cardinality, required
// relations set. It returns the targets that do not exist.
func (s *Server) checkRelations(bpID string, bp, e map[string]any) ([]target, *failure) {
	defs, _ := bp["relations"].(map[string]any)
	rels, _ := e["relations"].(map[string]any)
	self := e["identifier"].(string)
	var missing []target
	for _, name := range sortedKeys(rels) {
		def, ok := defs[name].(map[string]any)
		if !ok {
			return nil, mismatch("relation %q is not defined in blueprint %q", name, bpID)
		}
		many, _ := def["many"].(bool)
		tbp, _ := def["target"].(string)
		var ids []string
		switch v := rels[name].(type) {
		case string:
			if many {
				return nil, &failure{http.StatusUnprocessableEntity, "relation_many_violation", fmt.Sprintf("relation %q is many: it takes an array of identifiers", name)}
			}
			ids = []string{v}
		case []any:
			if !many {
				return nil, &failure{http.StatusUnprocessableEntity, "relation_many_violation", fmt.Sprintf("relation %q is not many: it takes one identifier, not an array", name)}
			}
			for _, x := range v {
				ids = append(ids, x.(string))
			}
		}
		for _, id := range ids {
			if tbp == bpID && id == self {
				continue
			}
			if _, ok := s.entities[tbp][id]; !ok {
				missing = append(missing, target{tbp, id})
			}
		}
	}
	for _, name := range sortedKeys(defs) {
		def, _ := defs[name].(map[string]any)
		if req, _ := def["required"].(bool); !req {
			continue
		}
		v, ok := rels[name]
		if arr, isArr := v.([]any); !ok || (isArr && len(arr) == 0) {
			return nil, &failure{http.StatusUnprocessableEntity, "required_relation", fmt.Sprintf("relation %q is required", name)}
		}
	}
	return missing, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

func contains(list []any, v any) bool {
	for _, x := range list {
		if reflect.DeepEqual(x, v) {
			return true
		}
	}
	return false
}

// upsertOne is POST /v1/blueprints/{bp}/entities: 201 when created, 200
// when an existing entity was replaced or merged (or would be, with
// validation_only).
func (s *Server) upsertOne(w http.ResponseWriter, r *http.Request) {
	f, err := parseFlags(r.URL.Query())
	if err != nil {
		invalid("%v", err).write(w)
		return
	}
	e, ok := decodeObject(w, r)
	if !ok {
		return
	}
	bpID := r.PathValue("bp")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[bpID]; !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("Blueprint with identifier %q was not found", bpID))
		return
	}
	if fl := checkShape(e); fl != nil {
		fl.write(w)
		return
	}
	created, stored, fl := s.write(bpID, e, f)
	if fl != nil {
		fl.write(w)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	out := entityOut(bpID, &record{e: stored})
	if rec, ok := s.entities[bpID][stored["identifier"].(string)]; ok && !f.validationOnly {
		out = entityOut(bpID, rec)
	}
	reply(w, status, map[string]any{"ok": true, "entity": out})
}

// upsertBulk is POST /v1/blueprints/{bp}/entities/bulk: 1 to 20 entities,
// each written or refused on its own; 200 when all were written, 207 with
// errors otherwise. A body that breaks the route schema (not 1..20 items,
// an item with a bad identifier, ...) fails whole with 422.
func (s *Server) upsertBulk(w http.ResponseWriter, r *http.Request) {
	f, err := parseFlags(r.URL.Query())
	if err != nil {
		invalid("%v", err).write(w)
		return
	}
	body, ok := decodeObject(w, r)
	if !ok {
		return
	}
	list, ok := body["entities"].([]any)
	if !ok || len(body) != 1 {
		invalid("the body must be {\"entities\": [...]} and nothing else").write(w)
		return
	}
	if len(list) < 1 || len(list) > maxBulkEntities {
		invalid("entities must hold 1 to %d items, got %d", maxBulkEntities, len(list)).write(w)
		return
	}
	items := make([]map[string]any, len(list))
	for i, x := range list {
		e, ok := x.(map[string]any)
		if !ok {
			invalid("entities/%d must be an object", i).write(w)
			return
		}
		if fl := checkShape(e); fl != nil {
			invalid("entities/%d: %s", i, fl.msg).write(w)
			return
		}
		items[i] = e
	}
	bpID := r.PathValue("bp")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[bpID]; !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("Blueprint with identifier %q was not found", bpID))
		return
	}
	written, refused := []any{}, []any{}
	for i, e := range items {
		id := e["identifier"].(string)
		created, _, fl := s.write(bpID, e, f)
		if fl != nil {
			refused = append(refused, map[string]any{"identifier": id, "index": i, "statusCode": fl.status, "error": fl.code, "message": fl.msg})
			continue
		}
		written = append(written, map[string]any{"identifier": id, "index": i, "created": created, "additionalData": map[string]any{}})
	}
	status := http.StatusOK
	if len(refused) > 0 {
		status = http.StatusMultiStatus
	}
	reply(w, status, map[string]any{"ok": len(refused) == 0, "entities": written, "errors": refused})
}

func (s *Server) getEntity(w http.ResponseWriter, r *http.Request) {
	bpID, id := r.PathValue("bp"), r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[bpID]; !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("Blueprint with identifier %q was not found", bpID))
		return
	}
	rec, ok := s.entities[bpID][id]
	if !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("Entity with identifier %q was not found in blueprint %q", id, bpID))
		return
	}
	reply(w, http.StatusOK, map[string]any{"ok": true, "entity": entityOut(bpID, rec)})
}

// dependents lists the entities, other than the ones in skip, whose
// relations point at bp/id. s.mu is held.
func (s *Server) dependents(bp, id string, skip map[target]bool) []target {
	var out []target
	for _, obp := range sortedKeys(s.entities) {
		defs, _ := s.blueprints[obp]["relations"].(map[string]any)
		for _, oid := range sortedKeys(s.entities[obp]) {
			if skip[target{obp, oid}] || (obp == bp && oid == id) {
				continue
			}
			rels, _ := s.entities[obp][oid].e["relations"].(map[string]any)
			for name, v := range rels {
				def, _ := defs[name].(map[string]any)
				if t, _ := def["target"].(string); t != bp {
					continue
				}
				if pointsAt(v, id) {
					out = append(out, target{obp, oid})
					break
				}
			}
		}
	}
	return out
}

func pointsAt(v any, id string) bool {
	switch x := v.(type) {
	case string:
		return x == id
	case []any:
		for _, y := range x {
			if y == id {
				return true
			}
		}
	}
	return false
}

// deleteWithDependents deletes bp/id and, transitively, what depends on it.
// s.mu is held.
func (s *Server) deleteWithDependents(bp, id string) {
	queue := []target{{bp, id}}
	gone := map[target]bool{}
	for len(queue) > 0 {
		t := queue[0]
		queue = queue[1:]
		if gone[t] {
			continue
		}
		gone[t] = true
		queue = append(queue, s.dependents(t.bp, t.id, gone)...)
	}
	for t := range gone {
		delete(s.entities[t.bp], t.id)
	}
}

// deleteEntity is DELETE /v1/blueprints/{bp}/entities/{id}: 403
// has_dependents while other entities point at it, unless
// delete_dependents=true, which deletes them too.
func (s *Server) deleteEntity(w http.ResponseWriter, r *http.Request) {
	b, err := boolParams(r.URL.Query(), "delete_dependents")
	if err != nil {
		invalid("%v", err).write(w)
		return
	}
	bpID, id := r.PathValue("bp"), r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entities[bpID][id]; !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("Entity with identifier %q was not found in blueprint %q", id, bpID))
		return
	}
	if deps := s.dependents(bpID, id, nil); len(deps) > 0 && !b[0] {
		fail(w, http.StatusForbidden, "has_dependents", fmt.Sprintf("entity %q has dependents (for example %s/%s); delete them first or pass delete_dependents=true", id, deps[0].bp, deps[0].id))
		return
	}
	s.deleteWithDependents(bpID, id)
	reply(w, http.StatusOK, map[string]any{"ok": true})
}

// bulkDelete is POST /v1/blueprints/{bp}/bulk/entities/delete: 1 to 100
// identifiers; when one has dependents outside the list and
// delete_dependents is false, nothing is deleted (403 has_dependents).
// Identifiers that do not exist are skipped.
func (s *Server) bulkDelete(w http.ResponseWriter, r *http.Request) {
	b, err := boolParams(r.URL.Query(), "delete_dependents")
	if err != nil {
		invalid("%v", err).write(w)
		return
	}
	body, ok := decodeObject(w, r)
	if !ok {
		return
	}
	list, ok := body["entities"].([]any)
	if !ok || len(body) != 1 || len(list) < 1 || len(list) > maxBulkDelete {
		invalid("the body must be {\"entities\": [1 to %d identifiers]}", maxBulkDelete).write(w)
		return
	}
	bpID := r.PathValue("bp")
	ids := make([]string, len(list))
	set := map[target]bool{}
	for i, x := range list {
		id, ok := x.(string)
		if !ok {
			invalid("entities/%d must be a string", i).write(w)
			return
		}
		ids[i] = id
		set[target{bpID, id}] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[bpID]; !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("Blueprint with identifier %q was not found", bpID))
		return
	}
	if !b[0] {
		for _, id := range ids {
			if _, ok := s.entities[bpID][id]; !ok {
				continue
			}
			if deps := s.dependents(bpID, id, set); len(deps) > 0 {
				fail(w, http.StatusForbidden, "has_dependents", fmt.Sprintf("entity %q has dependents (for example %s/%s); nothing was deleted", id, deps[0].bp, deps[0].id))
				return
			}
		}
	}
	deleted := []string{}
	listed := map[string]bool{}
	for _, id := range ids {
		if _, ok := s.entities[bpID][id]; ok && !listed[id] {
			deleted = append(deleted, id)
			listed[id] = true
		}
	}
	for _, id := range deleted {
		s.deleteWithDependents(bpID, id)
	}
	reply(w, http.StatusOK, map[string]any{"ok": true, "deletedEntities": deleted})
}
