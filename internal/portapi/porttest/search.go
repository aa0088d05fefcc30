package porttest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
)

// search is POST /v1/blueprints/{bp}/entities/search: entities in
// identifier order, limit per page (1..1000, default 200), a next cursor
// while more remain, passed back as from. The query supports combinator
// and/or groups and rules with =, !=, in, notIn, contains, beginsWith,
// isEmpty and isNotEmpty on $identifier, $title, $blueprint, $team and
// properties. include and exclude are accepted and ignored.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeObject(w, r)
	if !ok {
		return
	}
	for k := range body {
		switch k {
		case "query", "include", "exclude", "limit", "from":
		default:
			invalid("unknown key %q in the search body", k).write(w)
			return
		}
	}
	limit := 200
	if v, ok := body["limit"]; ok {
		n, isNum := v.(float64)
		if !isNum || n != float64(int(n)) || n < 1 || n > 1000 {
			invalid("limit must be an integer from 1 to 1000").write(w)
			return
		}
		limit = int(n)
	}
	after := ""
	if v, ok := body["from"]; ok {
		cursor, _ := v.(string)
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || !strings.HasPrefix(string(raw), "after:") {
			invalid("from is not a cursor this server returned").write(w)
			return
		}
		after = strings.TrimPrefix(string(raw), "after:")
	}
	bpID := r.PathValue("bp")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blueprints[bpID]; !ok {
		fail(w, http.StatusNotFound, "not_found", fmt.Sprintf("Blueprint with identifier %q was not found", bpID))
		return
	}
	var ids []string
	for _, id := range sortedKeys(s.entities[bpID]) {
		if after != "" && id <= after {
			continue
		}
		if q, ok := body["query"]; ok && q != nil {
			match, err := matches(q, bpID, s.entities[bpID][id].e)
			if err != nil {
				invalid("%v", err).write(w)
				return
			}
			if !match {
				continue
			}
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	page := make([]any, 0, min(limit, len(ids)))
	for _, id := range ids[:min(limit, len(ids))] {
		page = append(page, entityOut(bpID, s.entities[bpID][id]))
	}
	out := map[string]any{"ok": true, "entities": page}
	if len(ids) > limit {
		out["next"] = base64.RawURLEncoding.EncodeToString([]byte("after:" + ids[limit-1]))
	}
	reply(w, http.StatusOK, out)
}

// matches evaluates a search query (a group or a rule) on an entity.
func matches(q any, bp string, e map[string]any) (bool, error) {
	m, ok := q.(map[string]any)
	if !ok {
		return false, fmt.Errorf("a query must be an object")
	}
	if rules, ok := m["rules"]; ok {
		list, ok := rules.([]any)
		if !ok {
			return false, fmt.Errorf("rules must be an array")
		}
		comb, _ := m["combinator"].(string)
		if comb != "and" && comb != "or" {
			return false, fmt.Errorf("combinator must be and or or, got %v", m["combinator"])
		}
		for _, rule := range list {
			ok, err := matches(rule, bp, e)
			if err != nil {
				return false, err
			}
			if comb == "or" && ok {
				return true, nil
			}
			if comb == "and" && !ok {
				return false, nil
			}
		}
		return comb == "and", nil
	}
	prop, _ := m["property"].(string)
	op, _ := m["operator"].(string)
	var v any
	switch prop {
	case "":
		return false, fmt.Errorf("a rule needs a property")
	case "$identifier":
		v = e["identifier"]
	case "$title":
		v = e["title"]
	case "$team":
		v = e["team"]
	case "$blueprint":
		v = bp
	default:
		props, _ := e["properties"].(map[string]any)
		v = props[prop]
	}
	want := m["value"]
	switch op {
	case "=":
		return reflect.DeepEqual(v, want), nil
	case "!=":
		return !reflect.DeepEqual(v, want), nil
	case "in", "notIn":
		list, ok := want.([]any)
		if !ok {
			return false, fmt.Errorf("operator %s takes an array value", op)
		}
		return contains(list, v) == (op == "in"), nil
	case "contains", "beginsWith":
		s, _ := v.(string)
		sub, ok := want.(string)
		if !ok {
			return false, fmt.Errorf("operator %s takes a string value", op)
		}
		if op == "contains" {
			return strings.Contains(s, sub), nil
		}
		return strings.HasPrefix(s, sub), nil
	case "isEmpty", "isNotEmpty":
		empty := v == nil || v == "" || reflect.DeepEqual(v, []any{}) || reflect.DeepEqual(v, map[string]any{})
		return empty == (op == "isEmpty"), nil
	}
	return false, fmt.Errorf("porttest does not support the search operator %q", op)
}
