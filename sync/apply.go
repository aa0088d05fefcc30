package sync

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	gosync "sync"

	"github.com/port-gitops/port-gitops/internal/portapi"
	"github.com/port-gitops/port-gitops/internal/report"
)

// apply upserts items in waves (relation targets first); within a wave, one
// bulk call per blueprint, several blueprints at once. With validateOnly,
// Port checks the entities and writes nothing. Per-entity rejections become
// failures in res; the error is for a run that could not go on (network,
// auth after retries).
func (s *syncer) apply(ctx context.Context, items []Item, validateOnly bool, count func(string) *report.SyncCounts, res *report.SyncResult) error {
	var mu gosync.Mutex
	for _, w := range orderWaves(items) {
		byBP := map[string][]Item{}
		var bps []string
		for _, it := range w.items {
			if _, ok := byBP[it.Blueprint]; !ok {
				bps = append(bps, it.Blueprint)
			}
			byBP[it.Blueprint] = append(byBP[it.Blueprint], it)
		}
		sort.Strings(bps)
		sem := make(chan struct{}, s.opts.Concurrency)
		var wg gosync.WaitGroup
		var firstErr error
		for _, bp := range bps {
			batch := byBP[bp]
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if !validateOnly {
					if err := s.beforeWrite(); err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						return
					}
				}
				bodies := make([]json.RawMessage, len(batch))
				for i, it := range batch {
					bodies[i] = it.Body
				}
				results, err := s.client.BulkUpsert(ctx, bp, bodies, portapi.UpsertOptions{
					Upsert:                       true,
					Merge:                        s.opts.Merge,
					ValidationOnly:               validateOnly,
					CreateMissingRelatedEntities: w.cyclic,
				})
				mu.Lock()
				defer mu.Unlock()
				done := make([]bool, len(batch))
				for _, r := range results {
					if r.Index < 0 || r.Index >= len(batch) {
						continue
					}
					done[r.Index] = true
					it := batch[r.Index]
					switch {
					case r.Err != nil:
						count(bp).Failed++
						res.Failures = append(res.Failures, failure(it, "upsert", r.Err))
					case validateOnly:
					case r.Created:
						count(bp).Created++
					default:
						count(bp).Updated++
					}
				}
				if err != nil {
					for i, it := range batch {
						if !done[i] {
							count(bp).Failed++
							res.Failures = append(res.Failures, failure(it, "upsert", err))
						}
					}
					if firstErr == nil && !isEntityError(err) {
						firstErr = err
					}
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			sortFailures(res)
			return firstErr
		}
	}
	sortFailures(res)
	return nil
}

// deleteAll deletes entities per blueprint, in bulk.
func (s *syncer) deleteAll(ctx context.Context, items []Item, count func(string) *report.SyncCounts, res *report.SyncResult) error {
	byBP := map[string][]Item{}
	var bps []string
	for _, it := range items {
		if _, ok := byBP[it.Blueprint]; !ok {
			bps = append(bps, it.Blueprint)
		}
		byBP[it.Blueprint] = append(byBP[it.Blueprint], it)
	}
	sort.Strings(bps)
	for _, bp := range bps {
		batch := byBP[bp]
		ids := make([]string, len(batch))
		for i, it := range batch {
			ids[i] = it.Identifier
		}
		if err := s.beforeWrite(); err != nil {
			return err
		}
		deleted, err := s.client.BulkDelete(ctx, bp, ids, s.opts.DeleteDependents)
		gone := map[string]bool{}
		for _, id := range deleted {
			gone[id] = true
		}
		if err == nil {
			// Port lists what it deleted; an identifier it leaves out may
			// have been gone already (deleted by hand, or by a run whose
			// answer was lost). Ask: 404 counts as deleted.
			for _, it := range batch {
				if gone[it.Identifier] {
					continue
				}
				_, gerr := s.client.GetEntity(ctx, bp, it.Identifier)
				switch {
				case portapi.IsNotFound(gerr):
					gone[it.Identifier] = true
				case gerr != nil && !isEntityError(gerr):
					sortFailures(res)
					return gerr
				}
			}
		}
		for _, it := range batch {
			if gone[it.Identifier] {
				count(bp).Deleted++
				continue
			}
			count(bp).Failed++
			ferr := err
			if ferr == nil {
				ferr = errors.New("Port did not delete the entity: it is still there after the bulk delete")
			}
			res.Failures = append(res.Failures, failure(it, "delete", ferr))
		}
		if err != nil && !isEntityError(err) {
			sortFailures(res)
			return err
		}
	}
	sortFailures(res)
	return nil
}

// beforeWrite runs before each write batch: the run must still hold a live
// lease on the lock.
func (s *syncer) beforeWrite() error {
	if s.opts.beforeWrite != nil {
		s.opts.beforeWrite()
	}
	return s.lock.check()
}

// isEntityError reports whether err is Port rejecting what was sent (a 4xx
// other than auth and rate limits), as opposed to being unable to reach it.
func isEntityError(err error) bool {
	var pe *portapi.Error
	if !errors.As(err, &pe) {
		return false
	}
	switch {
	case pe.Status == 401 || pe.Status == 429:
		return false
	case pe.Status == 403:
		// Forbidden for the entity's sake, not for ours.
		return pe.Code == "has_dependents" || pe.Code == "required_relation"
	}
	return pe.Status >= 400 && pe.Status < 500
}

func failure(it Item, action string, err error) report.SyncFailure {
	f := report.SyncFailure{
		Blueprint: it.Blueprint, Identifier: it.Identifier, File: it.File, Line: it.Line, Column: it.Column,
		Action: action, Message: err.Error(),
	}
	var pe *portapi.Error
	if errors.As(err, &pe) {
		f.Status, f.Code, f.TraceID = pe.Status, pe.Code, pe.TraceID
		if pe.Message != "" {
			f.Message = pe.Message
		}
	}
	return f
}

func sortFailures(res *report.SyncResult) {
	sort.SliceStable(res.Failures, func(i, j int) bool {
		a, b := res.Failures[i], res.Failures[j]
		if a.Blueprint != b.Blueprint {
			return a.Blueprint < b.Blueprint
		}
		return a.Identifier < b.Identifier
	})
}
