package gctune

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// These tests change the process's collector settings: not parallel.

func TestStartLeavesTheUsersSettings(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	for _, env := range []map[string]string{{"GOGC": "50"}, {"GOMEMLIMIT": "1GiB"}} {
		Start(func(k string) string { return env[k] })
		if got := debug.SetGCPercent(100); got != 100 {
			t.Errorf("with %v set, Start changed GOGC to %d", env, got)
		}
	}
}

func TestStartRaisesThenRestoresTheDefault(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	Start(func(string) string { return "" })
	if got := debug.SetGCPercent(percent); got != percent {
		t.Fatalf("after Start, GOGC = %d, want %d", got, percent)
	}
	// A small live heap keeps the raised setting across collections.
	for range 3 {
		runtime.GC()
	}
	time.Sleep(10 * time.Millisecond) // finalizers run on their own goroutine
	if got := debug.SetGCPercent(percent); got != percent {
		t.Fatalf("with %d bytes live, GOGC = %d, want %d", live(), got, percent)
	}
	// A live heap over the limit brings the default back.
	keep := make([]byte, liveLimit+(8<<20))
	for i := range keep {
		keep[i] = byte(i)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		// Setting the value it has until the finalizer changes it reads it.
		if got := debug.SetGCPercent(percent); got == 100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with %d bytes live, GOGC is still %d", live(), percent)
		}
	}
	runtime.KeepAlive(keep)
}
