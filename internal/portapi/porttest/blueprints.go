package porttest

import (
	"fmt"
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"
)

// blueprintIDPattern is Port's blueprint identifier pattern, without the
// lookahead that refuses "." and ".." (checked apart).
var blueprintIDPattern = regexp.MustCompile(`^[\p{L}0-9@_.+:\\/-]+$`)

// propertyKeyPattern is Port's pattern for property and relation keys.
var propertyKeyPattern = regexp.MustCompile(`^[A-Za-z0-9@_=\\-]+$`)

// meta is what Port adds to a blueprint it returns.
func withMeta(bp map[string]any) map[string]any {
	out := map[string]any{
		"createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z",
		"createdBy": "porttest", "updatedBy": "porttest",
	}
	for k, v := range bp {
		out[k] = v
	}
	return out
}

func (s *Server) listBlueprints(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]any, 0, len(s.blueprints))
	for _, id := range sortedKeys(s.blueprints) {
		list = append(list, withMeta(s.blueprints[id]))
	}
	reply(w, http.StatusOK, map[string]any{"ok": true, "blueprints": list})
}

func (s *Server) getBlueprint(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("bp")
	bp, ok := s.blueprints[id]
	if !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("Blueprint with identifier %q was not found", id))
		return
	}
	reply(w, http.StatusOK, map[string]any{"ok": true, "blueprint": withMeta(bp)})
}

func (s *Server) createBlueprint(w http.ResponseWriter, r *http.Request) {
	bp, ok := decodeObject(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, code, msg := s.checkBlueprint(bp); st != 0 {
		fail(w, st, code, msg)
		return
	}
	id := bp["identifier"].(string)
	if _, ok := s.blueprints[id]; ok {
		fail(w, http.StatusConflict, "identifier_taken", fmt.Sprintf("A blueprint with identifier %q already exists", id))
		return
	}
	stripMeta(bp)
	s.blueprints[id] = bp
	reply(w, http.StatusCreated, map[string]any{"ok": true, "blueprint": withMeta(bp)})
}

func (s *Server) putBlueprint(w http.ResponseWriter, r *http.Request) {
	bp, ok := decodeObject(w, r)
	if !ok {
		return
	}
	id := r.PathValue("bp")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[id]; !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("Blueprint with identifier %q was not found", id))
		return
	}
	if given, ok := bp["identifier"]; ok && given != id {
		fail(w, http.StatusUnprocessableEntity, "invalid_request", "the identifier in the body differs from the path's")
		return
	}
	bp["identifier"] = id
	if st, code, msg := s.checkBlueprint(bp); st != 0 {
		fail(w, st, code, msg)
		return
	}
	stripMeta(bp)
	s.blueprints[id] = bp
	reply(w, http.StatusOK, map[string]any{"ok": true, "blueprint": withMeta(bp)})
}

// deleteBlueprint deletes a blueprint and, in this emulator, its entities.
func (s *Server) deleteBlueprint(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("bp")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[id]; !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("Blueprint with identifier %q was not found", id))
		return
	}
	delete(s.blueprints, id)
	delete(s.entities, id)
	reply(w, http.StatusOK, map[string]any{"ok": true})
}

func stripMeta(bp map[string]any) {
	for _, k := range []string{"createdAt", "updatedAt", "createdBy", "updatedBy"} {
		delete(bp, k)
	}
}

// checkBlueprint is the route schema of POST/PUT /v1/blueprints, in short:
// identifier, title and schema.properties, property keys, relations with a
// target that exists, not both many and required. s.mu is held.
func (s *Server) checkBlueprint(bp map[string]any) (int, string, string) {
	bad := func(format string, args ...any) (int, string, string) {
		return http.StatusUnprocessableEntity, "invalid_request", fmt.Sprintf(format, args...)
	}
	id, _ := bp["identifier"].(string)
	if id == "" || id == "." || id == ".." || !blueprintIDPattern.MatchString(id) || utf8.RuneCountInString(id) > 100 {
		return bad("blueprint identifier %q does not match the identifier pattern", id)
	}
	if t, ok := bp["title"].(string); !ok || t == "" || utf8.RuneCountInString(t) > 100 {
		return bad("blueprint %q needs a title of 1 to 100 characters", id)
	}
	schema, ok := bp["schema"].(map[string]any)
	if !ok {
		return bad("blueprint %q needs a schema object", id)
	}
	props, ok := schema["properties"].(map[string]any)
	if !ok {
		return bad("the schema of blueprint %q needs a properties object", id)
	}
	for k, v := range props {
		def, ok := v.(map[string]any)
		if !propertyKeyPattern.MatchString(k) || !ok {
			return bad("property %q of blueprint %q is not valid", k, id)
		}
		switch def["type"] {
		case "string", "number", "boolean", "object", "array":
		default:
			return bad("property %q of blueprint %q has type %v; valid: string, number, boolean, object, array", k, id, def["type"])
		}
	}
	if rels, ok := bp["relations"]; ok && rels != nil {
		m, ok := rels.(map[string]any)
		if !ok {
			return bad("relations of blueprint %q must be an object", id)
		}
		for k, v := range m {
			def, ok := v.(map[string]any)
			if !propertyKeyPattern.MatchString(k) || !ok {
				return bad("relation %q of blueprint %q is not valid", k, id)
			}
			target, _ := def["target"].(string)
			many, okMany := def["many"].(bool)
			required, okReq := def["required"].(bool)
			if target == "" || !okMany || !okReq {
				return bad("relation %q of blueprint %q needs target, many and required", k, id)
			}
			if many && required {
				return bad("relation %q of blueprint %q cannot be both many and required", k, id)
			}
			if _, ok := s.blueprints[target]; !ok && target != id {
				return http.StatusNotFound, "not_found", fmt.Sprintf("relation %q of blueprint %q targets blueprint %q, which was not found", k, id, target)
			}
		}
	}
	return 0, "", ""
}

// entityOut is an entity as Port returns it: with its blueprint and times.
func entityOut(bp string, r *record) map[string]any {
	out := map[string]any{
		"blueprint": bp,
		"createdAt": r.createdAt.Format(time.RFC3339Nano), "updatedAt": r.updated.Format(time.RFC3339Nano),
		"createdBy": "porttest", "updatedBy": "porttest",
	}
	for k, v := range r.e {
		out[k] = v
	}
	return out
}
