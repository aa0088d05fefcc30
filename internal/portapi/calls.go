package portapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	gosync "sync"
)

func bpPath(bp string) string { return "/v1/blueprints/" + url.PathEscape(bp) }

// GetBlueprint returns a blueprint object as Port stores it.
func (c *Client) GetBlueprint(ctx context.Context, id string) (json.RawMessage, error) {
	var out struct {
		Blueprint json.RawMessage `json:"blueprint"`
	}
	if _, err := c.do(ctx, request{method: http.MethodGet, path: bpPath(id), auth: true}, &out); err != nil {
		return nil, err
	}
	return out.Blueprint, nil
}

// ListBlueprints returns every blueprint of the organisation.
func (c *Client) ListBlueprints(ctx context.Context) ([]json.RawMessage, error) {
	var out struct {
		Blueprints []json.RawMessage `json:"blueprints"`
	}
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/blueprints", auth: true}, &out); err != nil {
		return nil, err
	}
	return out.Blueprints, nil
}

// CreateBlueprint creates a blueprint.
func (c *Client) CreateBlueprint(ctx context.Context, bp json.RawMessage) error {
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/blueprints", body: bp, auth: true}, nil)
	return err
}

// UpsertOptions are the query flags of entity writes. Each is sent
// explicitly, true or false: nothing is left to Port's defaults.
type UpsertOptions struct {
	Upsert                       bool
	Merge                        bool
	ValidationOnly               bool
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

// Upsert writes one entity and reports whether Port created it.
func (c *Client) Upsert(ctx context.Context, bp string, entity json.RawMessage, opts UpsertOptions) (bool, error) {
	res, err := c.do(ctx, request{method: http.MethodPost, path: bpPath(bp) + "/entities", query: opts.query(), body: entity, auth: true}, nil)
	return res.status == http.StatusCreated, err
}

// GetEntity returns one entity.
func (c *Client) GetEntity(ctx context.Context, bp, id string) (json.RawMessage, error) {
	var out struct {
		Entity json.RawMessage `json:"entity"`
	}
	if _, err := c.do(ctx, request{method: http.MethodGet, path: bpPath(bp) + "/entities/" + url.PathEscape(id), auth: true}, &out); err != nil {
		return nil, err
	}
	return out.Entity, nil
}

// DeleteEntity deletes one entity; one that is already gone counts as deleted.
func (c *Client) DeleteEntity(ctx context.Context, bp, id string, deleteDependents bool) error {
	q := url.Values{"delete_dependents": {strconv.FormatBool(deleteDependents)}}
	_, err := c.do(ctx, request{method: http.MethodDelete, path: bpPath(bp) + "/entities/" + url.PathEscape(id), query: q, auth: true}, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// BulkDelete deletes entities of one blueprint, at most MaxBulkDelete per
// request, and returns those Port reports deleted. Port fails a whole
// request when one entity has dependents and deleteDependents is false.
func (c *Client) BulkDelete(ctx context.Context, bp string, ids []string, deleteDependents bool) ([]string, error) {
	var deleted []string
	q := url.Values{"delete_dependents": {strconv.FormatBool(deleteDependents)}}
	for start := 0; start < len(ids); start += MaxBulkDelete {
		chunk := ids[start:min(start+MaxBulkDelete, len(ids))]
		body, _ := json.Marshal(map[string]any{"entities": chunk})
		var out struct {
			DeletedEntities []string `json:"deletedEntities"`
		}
		if _, err := c.do(ctx, request{method: http.MethodPost, path: bpPath(bp) + "/bulk/entities/delete", query: q, body: body, auth: true}, &out); err != nil {
			return deleted, err
		}
		deleted = append(deleted, out.DeletedEntities...)
	}
	return deleted, nil
}

// SearchEntities calls fn for every entity of a blueprint that query
// matches (nil: all), following Port's cursor.
func (c *Client) SearchEntities(ctx context.Context, bp string, query json.RawMessage, fn func(json.RawMessage) error) error {
	from := ""
	for {
		req := map[string]any{"limit": 1000}
		if query != nil {
			req["query"] = query
		}
		if from != "" {
			req["from"] = from
		}
		body, _ := json.Marshal(req)
		var out struct {
			Entities []json.RawMessage `json:"entities"`
			Next     string            `json:"next"`
		}
		if _, err := c.do(ctx, request{method: http.MethodPost, path: bpPath(bp) + "/entities/search", body: body, auth: true}, &out); err != nil {
			return err
		}
		for _, e := range out.Entities {
			if err := fn(e); err != nil {
				return err
			}
		}
		if out.Next == "" {
			return nil
		}
		from = out.Next
	}
}

// ItemResult is what Port said of one entity of a bulk upsert. Index is the
// entity's position in the caller's slice.
type ItemResult struct {
	Index      int
	Identifier string
	Created    bool
	Err        *Error // nil when the entity was written (or validated)
}

// BulkUpsert writes entities of one blueprint through the bulk endpoint, in
// batches of at most MaxBulkEntities and MaxBodyBytes, Config.Concurrency
// batches in flight. It returns one result per entity Port answered for,
// whatever happened to other batches; the error is the first batch that
// failed as a whole (after retries), whose entities then have no result.
// A 413 splits the batch in halves; a single entity over the limit is an
// item error.
func (c *Client) BulkUpsert(ctx context.Context, bp string, entities []json.RawMessage, opts UpsertOptions) ([]ItemResult, error) {
	batches := splitBatches(entities)
	var (
		mu       gosync.Mutex
		results  []ItemResult
		firstErr error
		wg       gosync.WaitGroup
	)
	sem := make(chan struct{}, c.cfg.Concurrency)
	for _, b := range batches {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res, err := c.bulkBatch(ctx, bp, entities, b, opts)
			mu.Lock()
			defer mu.Unlock()
			results = append(results, res...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	return results, firstErr
}

// splitBatches groups entity indexes into batches within Port's limits.
func splitBatches(entities []json.RawMessage) [][]int {
	var batches [][]int
	var cur []int
	size := 0
	const overhead = len(`{"entities":[]}`)
	for i, e := range entities {
		n := len(e) + 1
		if len(cur) > 0 && (len(cur) == MaxBulkEntities || size+n+overhead > MaxBodyBytes) {
			batches = append(batches, cur)
			cur, size = nil, 0
		}
		cur = append(cur, i)
		size += n
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	return batches
}

func (c *Client) bulkBatch(ctx context.Context, bp string, all []json.RawMessage, idx []int, opts UpsertOptions) ([]ItemResult, error) {
	items := make([]json.RawMessage, len(idx))
	for i, j := range idx {
		items[i] = all[j]
	}
	body, err := json.Marshal(map[string]any{"entities": items})
	if err != nil {
		return nil, err
	}
	var out struct {
		Entities []struct {
			Identifier string `json:"identifier"`
			Index      int    `json:"index"`
			Created    bool   `json:"created"`
		} `json:"entities"`
		Errors []struct {
			Identifier string `json:"identifier"`
			Index      int    `json:"index"`
			StatusCode int    `json:"statusCode"`
			Error      string `json:"error"`
			Message    string `json:"message"`
		} `json:"errors"`
	}
	path := bpPath(bp) + "/entities/bulk"
	resp, err := c.do(ctx, request{method: http.MethodPost, path: path, query: opts.query(), body: body, auth: true}, &out)
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusRequestEntityTooLarge {
		if len(idx) == 1 {
			apiErr.Message = fmt.Sprintf("the entity is larger than Port accepts (%d bytes; the limit is 1 MiB)", len(all[idx[0]]))
			return []ItemResult{{Index: idx[0], Err: apiErr}}, nil
		}
		half := len(idx) / 2
		a, errA := c.bulkBatch(ctx, bp, all, idx[:half], opts)
		b, errB := c.bulkBatch(ctx, bp, all, idx[half:], opts)
		return append(a, b...), errors.Join(errA, errB)
	}
	if err != nil {
		return nil, err
	}
	var res []ItemResult
	for _, e := range out.Entities {
		if e.Index >= 0 && e.Index < len(idx) {
			res = append(res, ItemResult{Index: idx[e.Index], Identifier: e.Identifier, Created: e.Created})
		}
	}
	for _, e := range out.Errors {
		if e.Index >= 0 && e.Index < len(idx) {
			res = append(res, ItemResult{Index: idx[e.Index], Identifier: e.Identifier, Err: &Error{
				Status: e.StatusCode, Code: e.Error, Message: e.Message, Method: http.MethodPost, Path: path, TraceID: resp.traceID,
			}})
		}
	}
	return res, nil
}
