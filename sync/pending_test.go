package sync

import "testing"

// What the pending record holds that a run's plan did not take in (written
// meanwhile by a run that lost its lock but did not yet know) survives the
// state's advance; what the plan took in is cleared.
func TestPendingMinusKeepsWhatTheRunDidNotCover(t *testing.T) {
	t.Parallel()
	k := func(id string) pendingKey { return pendingKey{Blueprint: "svc", Identifier: id} }
	cur := pendingSet{Entities: []pendingKey{k("a"), k("b"), k("c")}}
	covered := pendingSet{Entities: []pendingKey{k("a"), k("c")}}
	left := cur.minus(covered)
	if len(left.Entities) != 1 || left.Entities[0].Identifier != "b" || left.Everything {
		t.Fatalf("left %+v, want only b", left)
	}
	if !cur.minus(pendingSet{Everything: true}).empty() {
		t.Fatal("a full sync did not cover everything")
	}
	if got := (pendingSet{Everything: true}).minus(covered); !got.Everything {
		t.Fatal("everything pending, a partial plan: the record was cleared")
	}
	if !cur.minus(cur).empty() {
		t.Fatal("the run's own pending record was not cleared")
	}
}
