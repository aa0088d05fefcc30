package portapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	gosync "sync"
)

// ItemResult is the outcome of one entity of a BulkUpsert.
type ItemResult struct {
	// Index is the entity's position in the slice passed to BulkUpsert.
	Index int
	// Identifier is the identifier Port reported, or the entity's own when
	// Port reported none (or "unknown").
	Identifier string
	// Created is true when Port created the entity rather than updating it.
	Created bool
	// Err is Port's rejection of this entity (Status is the item's
	// statusCode, TraceID the bulk request's), nil when it was written (or,
	// with ValidationOnly, found valid).
	Err *Error
}

// bulkOverhead is the size of `{"entities":[]}`.
const bulkOverhead = len(`{"entities":[]}`)

// BulkUpsert writes entities of one blueprint through Port's bulk route
// (POST .../entities/bulk). It sends batches of at most MaxBulkEntities
// entities and MaxBodyBytes of body, up to Config.Concurrency batches at a
// time (a bound shared by every call of the client), and reads Port's 200 and
// 207 answers entity by entity.
//
// When Port answers 413 (body too large) the batch is split in halves and
// each half sent, down to single entities; a single entity that is still too
// large gets an ItemResult whose Err is that 413.
//
// The contract, so that nothing is lost:
//   - Results are sorted by Index, with at most one per entity. Every entity
//     of a batch that Port answered has exactly one: written (Err nil) or
//     rejected (Err set; a rejection is not an error of the call). An entity
//     Port's answer left out gets an Err saying so: it may or may not have
//     been written.
//   - err is nil only when every entity has a result.
//   - err is not nil when a batch failed as a whole after retries (an
//     *Error, a network failure) or ctx ended. Results already received are
//     still returned. No new batch starts after such a failure; batches in
//     flight finish. Entities without a result were not confirmed: their
//     batch failed (Port may or may not have applied it, for example when the
//     connection dropped after sending) or was never sent. Callers must treat
//     them as not written.
//
// Entities that are not valid JSON make BulkUpsert fail before sending
// anything.
func (c *Client) BulkUpsert(ctx context.Context, blueprint string, entities []json.RawMessage, opts UpsertOptions) ([]ItemResult, error) {
	if len(entities) == 0 {
		return nil, nil
	}
	p, err := blueprintPath(blueprint)
	if err != nil {
		return nil, fmt.Errorf("bulk upsert: %w", err)
	}
	compact := make([][]byte, len(entities))
	for i, e := range entities {
		var buf bytes.Buffer
		if err := json.Compact(&buf, e); err != nil {
			return nil, fmt.Errorf("bulk upsert to %s: entity %d is not valid JSON: %w", blueprint, i, err)
		}
		compact[i] = buf.Bytes()
	}
	b := &bulk{c: c, path: p + "/entities/bulk", opts: opts, entities: compact}
	batches := planBatches(compact)

	var (
		mu       gosync.Mutex
		results  []ItemResult
		failures []error
		stop     = make(chan struct{})
		stopOnce gosync.Once
		wg       gosync.WaitGroup
		next     = make(chan []int)
	)
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return ctx.Err() != nil
		}
	}
	for range min(c.concurrency, len(batches)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idx := range next {
				if stopped() {
					continue
				}
				c.slots <- struct{}{}
				res, err := b.send(ctx, idx)
				<-c.slots
				mu.Lock()
				results = append(results, res...)
				if err != nil {
					failures = append(failures, err)
					stopOnce.Do(func() { close(stop) })
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, idx := range batches {
		if stopped() {
			break
		}
		select {
		case next <- idx:
		case <-stop:
			break feed
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()

	sort.Slice(results, func(i, j int) bool { return results[i].Index < results[j].Index })
	missing := len(entities) - len(results)
	switch {
	case len(failures) > 0:
		more := ""
		if len(failures) > 1 {
			more = fmt.Sprintf(" (%d batches failed; the first:)", len(failures))
		}
		return results, fmt.Errorf("bulk upsert to %s: %d of %d entities have no result%s: %w", blueprint, missing, len(entities), more, failures[0])
	case missing > 0 && ctx.Err() != nil:
		return results, fmt.Errorf("bulk upsert to %s: %d of %d entities have no result: %w", blueprint, missing, len(entities), ctx.Err())
	case missing > 0:
		return results, fmt.Errorf("bulk upsert to %s: %d of %d entities have no result", blueprint, missing, len(entities))
	}
	return results, nil
}

// planBatches groups entity indexes, in order, into batches within Port's
// limits. An entity too large for any batch travels alone.
func planBatches(entities [][]byte) [][]int {
	var batches [][]int
	var cur []int
	size := bulkOverhead
	for i, e := range entities {
		n := len(e)
		if len(cur) > 0 {
			n++ // the comma
		}
		if len(cur) > 0 && (len(cur) == MaxBulkEntities || size+n > MaxBodyBytes) {
			batches = append(batches, cur)
			cur, size, n = nil, bulkOverhead, len(e)
		}
		cur = append(cur, i)
		size += n
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	return batches
}

// bulk is one BulkUpsert call's shared state.
type bulk struct {
	c        *Client
	path     string
	opts     UpsertOptions
	entities [][]byte // compacted
}

func (b *bulk) body(idx []int) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"entities":[`)
	for k, i := range idx {
		if k > 0 {
			buf.WriteByte(',')
		}
		buf.Write(b.entities[i])
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

// bulkAnswer is Port's 200/207 body.
type bulkAnswer struct {
	Entities []struct {
		Identifier string  `json:"identifier"`
		Index      float64 `json:"index"`
		Created    bool    `json:"created"`
	} `json:"entities"`
	Errors []struct {
		Identifier string  `json:"identifier"`
		Index      float64 `json:"index"`
		StatusCode int     `json:"statusCode"`
		Error      string  `json:"error"`
		Message    string  `json:"message"`
	} `json:"errors"`
}

// send upserts the entities idx (indexes into b.entities), splitting on 413.
// It returns results for the entities Port answered for and the failure
// that stopped it, if any.
func (b *bulk) send(ctx context.Context, idx []int) ([]ItemResult, error) {
	c := b.c
	cl := apiCall(http.MethodPost, b.path, b.opts.query(), b.body(idx))
	resp, err := c.do(ctx, cl)
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusRequestEntityTooLarge {
		if len(idx) == 1 {
			return []ItemResult{{Index: idx[0], Identifier: b.identifier(idx[0], ""), Err: apiErr}}, nil
		}
		half := len(idx) / 2
		first, err := b.send(ctx, idx[:half])
		if err != nil {
			return first, err
		}
		second, err := b.send(ctx, idx[half:])
		return append(first, second...), err
	}
	if err != nil {
		return nil, err
	}
	var out bulkAnswer
	if err := json.Unmarshal(resp.body, &out); err != nil {
		return nil, fmt.Errorf("port api: POST %s: read the answer: %w", b.path, err)
	}
	trace := c.redact(resp.header.Get("X-Trace-Id"))
	res := make([]ItemResult, 0, len(idx))
	seen := make([]bool, len(idx))
	take := func(index float64) (int, bool) {
		k := int(index)
		if float64(k) != index || k < 0 || k >= len(idx) || seen[k] {
			return 0, false
		}
		seen[k] = true
		return k, true
	}
	for _, e := range out.Entities {
		if k, ok := take(e.Index); ok {
			res = append(res, ItemResult{Index: idx[k], Identifier: b.identifier(idx[k], e.Identifier), Created: e.Created})
		}
	}
	for _, e := range out.Errors {
		if k, ok := take(e.Index); ok {
			res = append(res, ItemResult{Index: idx[k], Identifier: b.identifier(idx[k], e.Identifier), Err: &Error{
				Status: e.StatusCode, Code: c.redact(e.Error), Message: c.redact(e.Message),
				TraceID: trace, Method: http.MethodPost, Path: b.path,
			}})
		}
	}
	for k, ok := range seen {
		if !ok {
			res = append(res, ItemResult{Index: idx[k], Identifier: b.identifier(idx[k], ""), Err: &Error{
				Status: resp.status, Message: "Port's answer has no result for this entity: it may or may not have been written",
				TraceID: trace, Method: http.MethodPost, Path: b.path,
			}})
		}
	}
	return res, nil
}

// identifier is what Port reported, else the entity's own identifier.
func (b *bulk) identifier(i int, reported string) string {
	if reported != "" && reported != "unknown" {
		return reported
	}
	var e struct {
		Identifier any `json:"identifier"`
	}
	if json.Unmarshal(b.entities[i], &e) == nil {
		if s, ok := e.Identifier.(string); ok {
			return s
		}
	}
	return reported
}
