package sync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	gosync "sync"
	"time"

	"github.com/port-gitops/port-gitops/internal/portapi"
)

// Lock timings. A killed run's lease ends lockLease after its last renewal,
// so the next run waits about that long at most.
const (
	defaultLockLease = 60 * time.Second
	defaultLockRenew = 15 * time.Second
	defaultLockPoll  = 2 * time.Second
	defaultLockWait  = 5 * time.Minute
)

// errLockLost is the cause of a run's context ending because another run
// took its lock.
var errLockLost = errors.New("lost the sync lock (its lease ran out or another run took it over): stopped before writing more; the state is unchanged and the next run re-checks everything this one may have written")

// lock is one run's hold on the lock entity of its repository and branch:
// an entity of the state blueprint, created without upsert (Port answers
// 409 identifier_taken when it exists, so one run wins), carrying the
// holder's random owner token and the end of its lease, which a heartbeat
// renews.
type lock struct {
	client *portapi.Client
	st     *stateStore
	id     string
	owner  string
	commit string
	lease  time.Duration
	renew  time.Duration
	clock  func() time.Time

	mu     gosync.Mutex
	until  time.Time
	lost   bool
	marker string // takeover marker to delete on release
	cancel context.CancelCauseFunc
	stop   chan struct{}
	done   chan struct{}
}

// lockState is a lock entity as read.
type lockState struct {
	owner, commit string
	until         time.Time
}

func newOwner() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (l *lock) entity(until time.Time) json.RawMessage {
	repo, branch := l.st.names()
	raw, _ := json.Marshal(map[string]any{
		"identifier": l.id,
		"title":      "lock of " + repo + " " + branch,
		"properties": map[string]any{
			"repository": repo, "branch": branch, "commit": l.commit,
			"owner": l.owner, "leaseUntil": until.UTC().Format(time.RFC3339Nano),
		},
	})
	return raw
}

func (l *lock) read(ctx context.Context, id string) (lockState, bool, error) {
	raw, err := l.client.GetEntity(ctx, StateBlueprint, id)
	if portapi.IsNotFound(err) {
		return lockState{}, false, nil
	}
	if err != nil {
		return lockState{}, false, err
	}
	var e struct {
		Properties struct {
			Owner      string `json:"owner"`
			Commit     string `json:"commit"`
			LeaseUntil string `json:"leaseUntil"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return lockState{}, false, fmt.Errorf("lock %s/%s: %w", StateBlueprint, id, err)
	}
	// An unreadable lease is treated as expired: a lock nobody can renew
	// must not block every run for good.
	until, _ := time.Parse(time.RFC3339Nano, e.Properties.LeaseUntil)
	return lockState{owner: e.Properties.Owner, commit: e.Properties.Commit, until: until}, true, nil
}

// acquire takes the lock, waiting up to wait for a live holder to finish
// (one line on errOut says so) and taking an expired lease over. It starts
// the heartbeat, which calls cancel with errLockLost if the lock is lost.
func (l *lock) acquire(ctx context.Context, wait, poll time.Duration, errOut io.Writer, cancel context.CancelCauseFunc) error {
	deadline := l.clock().Add(wait)
	said := false
	for {
		until := l.clock().Add(l.lease)
		_, err := l.client.Upsert(ctx, StateBlueprint, l.entity(until), portapi.UpsertOptions{})
		if err == nil {
			l.start(until, cancel)
			return nil
		}
		if !portapi.IsConflict(err) {
			return fmt.Errorf("take the sync lock %s/%s: %w", StateBlueprint, l.id, err)
		}
		cur, ok, err := l.read(ctx, l.id)
		if err != nil {
			return fmt.Errorf("read the sync lock %s/%s: %w", StateBlueprint, l.id, err)
		}
		if !ok {
			continue // released meanwhile: try again at once
		}
		if cur.owner == l.owner {
			// Our own create whose answer was lost and retried.
			l.start(until, cancel)
			return nil
		}
		if !l.clock().Before(cur.until) {
			won, err := l.takeOver(ctx, cur)
			if err != nil {
				return err
			}
			if won {
				l.start(l.until, cancel)
				return nil
			}
		} else if !said {
			fmt.Fprintf(errOut, "port-gitops: another sync of %s is running (commit %s, lease until %s); waiting\n",
				l.st.identifier(), short(cur.commit), cur.until.UTC().Format(time.RFC3339))
			said = true
		}
		if !l.clock().Before(deadline) {
			return fmt.Errorf("another sync of %s is still running (commit %s, lease until %s) after waiting %s: try again when it is done (or raise --lock-wait)",
				l.st.identifier(), short(cur.commit), cur.until.UTC().Format(time.RFC3339), wait)
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// takeOver replaces an expired lease. Only one waiter may: each creates,
// without upsert, a marker entity named after the stale owner's token, and
// only the one whose create succeeds rewrites the lock.
func (l *lock) takeOver(ctx context.Context, stale lockState) (bool, error) {
	marker := l.id + ".takeover." + stale.owner
	if stale.owner == "" {
		marker = l.id + ".takeover.unowned-" + stale.until.UTC().Format("20060102T150405.000000000")
	}
	m, _ := json.Marshal(map[string]any{
		"identifier": marker,
		"title":      "takeover of " + l.id,
		"properties": map[string]any{"commit": l.commit, "owner": l.owner},
	})
	_, err := l.client.Upsert(ctx, StateBlueprint, m, portapi.UpsertOptions{})
	if portapi.IsConflict(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("take over the expired sync lock %s/%s: %w", StateBlueprint, l.id, err)
	}
	// A marker is deleted when its run releases the lock, so a waiter that
	// read the stale lease long ago could create it again: take over only
	// if the lock still holds that stale lease.
	if cur, ok, err := l.read(ctx, l.id); err != nil {
		return false, fmt.Errorf("read the sync lock %s/%s: %w", StateBlueprint, l.id, err)
	} else if !ok || cur.owner != stale.owner || !cur.until.Equal(stale.until) {
		_ = l.client.DeleteEntity(ctx, StateBlueprint, marker, false)
		return false, nil
	}
	until := l.clock().Add(l.lease)
	if _, err := l.client.Upsert(ctx, StateBlueprint, l.entity(until), portapi.UpsertOptions{Upsert: true}); err != nil {
		return false, fmt.Errorf("take over the expired sync lock %s/%s: %w", StateBlueprint, l.id, err)
	}
	l.mu.Lock()
	l.until, l.marker = until, marker
	l.mu.Unlock()
	return true, nil
}

func (l *lock) start(until time.Time, cancel context.CancelCauseFunc) {
	l.mu.Lock()
	l.until, l.cancel = until, cancel
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	l.mu.Unlock()
	go l.heartbeat()
}

func (l *lock) heartbeat() {
	defer close(l.done)
	t := time.NewTicker(l.renew)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.lease)
		err := l.renewOnce(ctx)
		cancel()
		l.mu.Lock()
		expired := !l.clock().Before(l.until)
		l.mu.Unlock()
		if errors.Is(err, errLockLost) || expired {
			l.markLost()
			return
		}
	}
}

// renewOnce extends the lease if the lock is still ours.
func (l *lock) renewOnce(ctx context.Context) error {
	cur, ok, err := l.read(ctx, l.id)
	if err != nil {
		return err // Port unreachable: try again at the next tick
	}
	if !ok || cur.owner != l.owner {
		return errLockLost
	}
	until := l.clock().Add(l.lease)
	if _, err := l.client.Upsert(ctx, StateBlueprint, l.entity(until), portapi.UpsertOptions{Upsert: true}); err != nil {
		return err
	}
	l.mu.Lock()
	l.until = until
	l.mu.Unlock()
	return nil
}

func (l *lock) markLost() {
	l.mu.Lock()
	l.lost = true
	cancel := l.cancel
	l.mu.Unlock()
	if cancel != nil {
		cancel(errLockLost)
	}
}

// check says whether the lease is still live, as far as this run knows:
// before each write batch.
func (l *lock) check() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost || !l.clock().Before(l.until) {
		return errLockLost
	}
	return nil
}

// confirm asks Port whether the lock is still this run's, with a live
// lease: before the state advances.
func (l *lock) confirm(ctx context.Context) error {
	if l == nil {
		return nil
	}
	if err := l.check(); err != nil {
		return err
	}
	cur, ok, err := l.read(ctx, l.id)
	if err != nil {
		return fmt.Errorf("check the sync lock %s/%s: %w", StateBlueprint, l.id, err)
	}
	if !ok || cur.owner != l.owner || !l.clock().Before(cur.until) {
		l.markLost()
		return errLockLost
	}
	return nil
}

// release stops the heartbeat and deletes the lock if it is still ours,
// and the takeover marker this run made.
func (l *lock) release() {
	if l == nil || l.stop == nil {
		return
	}
	close(l.stop)
	<-l.done
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if cur, ok, err := l.read(ctx, l.id); err == nil && ok && cur.owner == l.owner {
		_ = l.client.DeleteEntity(ctx, StateBlueprint, l.id, false)
	}
	l.mu.Lock()
	marker := l.marker
	l.mu.Unlock()
	if marker != "" {
		_ = l.client.DeleteEntity(ctx, StateBlueprint, marker, false)
	}
}
