package portapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// SyncStateBlueprint is the blueprint port-gitops sync keeps its state in
// (the last commit it synced, per repository and branch). It belongs to
// port-gitops, not to the catalog: blueprints pull --all leaves it out of
// the blueprint cache.
const SyncStateBlueprint = "port_gitops_sync_state"

// segment escapes an identifier for a URL path. Port's identifiers may hold
// "/", so each is one escaped segment; "", "." and ".." are refused because
// they would name another route.
func segment(kind, id string) (string, error) {
	if id == "" || id == "." || id == ".." {
		return "", fmt.Errorf("invalid %s identifier %q", kind, id)
	}
	return url.PathEscape(id), nil
}

func blueprintPath(bp string) (string, error) {
	s, err := segment("blueprint", bp)
	if err != nil {
		return "", err
	}
	return "/v1/blueprints/" + s, nil
}

func entityPath(bp, id string) (string, error) {
	p, err := blueprintPath(bp)
	if err != nil {
		return "", err
	}
	s, err := segment("entity", id)
	if err != nil {
		return "", err
	}
	return p + "/entities/" + s, nil
}

// GetBlueprint returns one blueprint as Port stores it (the "blueprint"
// object of Port's answer, server-managed fields such as createdAt
// included). A missing blueprint is an *Error for which IsNotFound is true.
// An answer over MaxBlueprintBytes is a *TooLargeError; one whose
// "blueprint" is missing or not an object is an error. The caller checks
// that it is the blueprint asked for.
func (c *Client) GetBlueprint(ctx context.Context, id string) (json.RawMessage, error) {
	p, err := blueprintPath(id)
	if err != nil {
		return nil, fmt.Errorf("get blueprint: %w", err)
	}
	var out struct {
		Blueprint json.RawMessage `json:"blueprint"`
	}
	if _, err := c.doJSON(ctx, apiCall(http.MethodGet, p, nil, nil).bounded(MaxBlueprintBytes), &out); err != nil {
		return nil, err
	}
	if !isObject(out.Blueprint) {
		return nil, fmt.Errorf("port api: GET %s: the answer has no blueprint object", p)
	}
	return out.Blueprint, nil
}

// ListBlueprints returns every blueprint of the organisation, in Port's
// order. An answer over MaxBlueprintListBytes is a *TooLargeError; one
// whose "blueprints" is missing, null or not an array of objects is an
// error (never an empty organisation).
func (c *Client) ListBlueprints(ctx context.Context) ([]json.RawMessage, error) {
	var out struct {
		Blueprints json.RawMessage `json:"blueprints"`
	}
	const p = "/v1/blueprints"
	if _, err := c.doJSON(ctx, apiCall(http.MethodGet, p, nil, nil).bounded(MaxBlueprintListBytes), &out); err != nil {
		return nil, err
	}
	var list []json.RawMessage
	if b := bytes.TrimSpace(out.Blueprints); len(b) == 0 || b[0] != '[' || json.Unmarshal(b, &list) != nil {
		return nil, fmt.Errorf("port api: GET %s: the answer has no \"blueprints\" array", p)
	}
	for i, raw := range list {
		if !isObject(raw) {
			return nil, fmt.Errorf("port api: GET %s: blueprint %d of %d in the answer is not an object", p, i+1, len(list))
		}
	}
	return list, nil
}

// isObject reports whether raw is a JSON object (json.RawMessage fields
// hold valid JSON once decoded).
func isObject(raw json.RawMessage) bool {
	b := bytes.TrimSpace(raw)
	return len(b) > 0 && b[0] == '{'
}

// CreateBlueprint creates a blueprint from its JSON object. One that exists
// already is an *Error for which IsConflict is true (so can be a retry whose
// first attempt created it but whose answer was lost).
func (c *Client) CreateBlueprint(ctx context.Context, bp json.RawMessage) error {
	if !json.Valid(bp) {
		return errors.New("create blueprint: the blueprint is not valid JSON")
	}
	_, err := c.doJSON(ctx, apiCall(http.MethodPost, "/v1/blueprints", nil, bp), nil)
	return err
}

// UpsertOptions are the query flags of entity writes. Every one is sent,
// true or false, so nothing depends on Port's defaults.
type UpsertOptions struct {
	// Upsert replaces an entity that exists; without it, writing one that
	// exists fails with 409 identifier_taken.
	Upsert bool
	// Merge, with Upsert, changes only the properties and relations sent.
	Merge bool
	// ValidationOnly validates and writes nothing.
	ValidationOnly bool
	// CreateMissingRelatedEntities creates bare target entities for
	// relations that point at identifiers that do not exist yet.
	CreateMissingRelatedEntities bool
}

func (o UpsertOptions) query() url.Values {
	return url.Values{
		"upsert":                          {strconv.FormatBool(o.Upsert)},
		"merge":                           {strconv.FormatBool(o.Merge)},
		"validation_only":                 {strconv.FormatBool(o.ValidationOnly)},
		"create_missing_related_entities": {strconv.FormatBool(o.CreateMissingRelatedEntities)},
	}
}

// Upsert writes one entity of a blueprint (POST .../entities) and reports
// whether Port created it, which it says by answering 201 rather than 200.
// Without opts.Upsert, a retry whose first attempt's answer was lost can
// meet 409 identifier_taken for the entity that attempt created.
func (c *Client) Upsert(ctx context.Context, blueprint string, entity json.RawMessage, opts UpsertOptions) (created bool, err error) {
	p, err := blueprintPath(blueprint)
	if err != nil {
		return false, fmt.Errorf("upsert entity: %w", err)
	}
	if !json.Valid(entity) {
		return false, fmt.Errorf("upsert entity of %s: the entity is not valid JSON", blueprint)
	}
	status, err := c.doJSON(ctx, apiCall(http.MethodPost, p+"/entities", opts.query(), entity), nil)
	return err == nil && status == http.StatusCreated, err
}

// GetEntity returns one entity (the "entity" object of Port's answer). A
// missing entity is an *Error for which IsNotFound is true.
func (c *Client) GetEntity(ctx context.Context, blueprint, id string) (json.RawMessage, error) {
	p, err := entityPath(blueprint, id)
	if err != nil {
		return nil, fmt.Errorf("get entity: %w", err)
	}
	var out struct {
		Entity json.RawMessage `json:"entity"`
	}
	if _, err := c.doJSON(ctx, apiCall(http.MethodGet, p, nil, nil), &out); err != nil {
		return nil, err
	}
	if len(out.Entity) == 0 {
		return nil, fmt.Errorf("port api: GET %s: the answer has no entity", p)
	}
	return out.Entity, nil
}

// DeleteEntity deletes one entity. With deleteDependents, Port also deletes
// the entities whose relations point at it; without, it refuses (403
// has_dependents) while any do. An entity that does not exist (404) counts
// as deleted: the result is nil.
func (c *Client) DeleteEntity(ctx context.Context, blueprint, id string, deleteDependents bool) error {
	p, err := entityPath(blueprint, id)
	if err != nil {
		return fmt.Errorf("delete entity: %w", err)
	}
	q := url.Values{"delete_dependents": {strconv.FormatBool(deleteDependents)}}
	_, err = c.doJSON(ctx, apiCall(http.MethodDelete, p, q, nil), nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// BulkDelete deletes entities of one blueprint through
// POST .../bulk/entities/delete, MaxBulkDelete identifiers per request, one
// request after the other, and returns the identifiers Port reports deleted
// (identifiers that did not exist are usually not among them).
//
// Port fails a whole request, deleting none of its entities, when one has
// dependents and deleteDependents is false. On an error, deleted holds what
// the requests before the failing one deleted; later chunks are not sent.
// A request retried after its answer was lost may not list what the first
// attempt deleted.
func (c *Client) BulkDelete(ctx context.Context, blueprint string, ids []string, deleteDependents bool) (deleted []string, err error) {
	p, err := blueprintPath(blueprint)
	if err != nil {
		return nil, fmt.Errorf("bulk delete: %w", err)
	}
	q := url.Values{"delete_dependents": {strconv.FormatBool(deleteDependents)}}
	for start := 0; start < len(ids); start += MaxBulkDelete {
		chunk := ids[start:min(start+MaxBulkDelete, len(ids))]
		body, err := json.Marshal(struct {
			Entities []string `json:"entities"`
		}{chunk})
		if err != nil {
			return deleted, fmt.Errorf("bulk delete from %s: %w", blueprint, err)
		}
		var out struct {
			DeletedEntities []string `json:"deletedEntities"`
		}
		if _, err := c.doJSON(ctx, apiCall(http.MethodPost, p+"/bulk/entities/delete", q, body), &out); err != nil {
			return deleted, err
		}
		deleted = append(deleted, out.DeletedEntities...)
	}
	return deleted, nil
}

// maxSearchPages bounds a search: ten million entities, far beyond any
// catalog, so that a server whose cursor never ends cannot keep the client
// going forever.
const maxSearchPages = 10_000

// SearchEntities calls fn with every entity of a blueprint that query
// matches (a Port search query such as {"combinator": "and", "rules": [...]};
// nil matches all), page after page (POST .../entities/search, 1000 per
// page, following Port's next cursor). An error from fn stops the search
// and is returned as is.
func (c *Client) SearchEntities(ctx context.Context, blueprint string, query json.RawMessage, fn func(json.RawMessage) error) error {
	p, err := blueprintPath(blueprint)
	if err != nil {
		return fmt.Errorf("search entities: %w", err)
	}
	if query != nil && !json.Valid(query) {
		return fmt.Errorf("search entities of %s: the query is not valid JSON", blueprint)
	}
	from, pages := "", 0
	for {
		body, err := json.Marshal(struct {
			Query json.RawMessage `json:"query,omitempty"`
			Limit int             `json:"limit"`
			From  string          `json:"from,omitempty"`
		}{query, searchPageSize, from})
		if err != nil {
			return fmt.Errorf("search entities of %s: %w", blueprint, err)
		}
		var out struct {
			Entities []json.RawMessage `json:"entities"`
			Next     string            `json:"next"`
		}
		if pages++; pages > maxSearchPages {
			return fmt.Errorf("port api: POST %s/entities/search: more than %d pages: stopped", p, maxSearchPages)
		}
		if _, err := c.doJSON(ctx, apiCall(http.MethodPost, p+"/entities/search", nil, body).bounded(MaxSearchPageBytes), &out); err != nil {
			return err
		}
		for _, e := range out.Entities {
			if err := fn(e); err != nil {
				return err
			}
		}
		switch {
		case out.Next == "":
			return nil
		case out.Next == from:
			return fmt.Errorf("port api: POST %s/entities/search: the cursor did not advance", p)
		}
		from = out.Next
	}
}
