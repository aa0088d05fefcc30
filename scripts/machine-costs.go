//go:build ignore

// machine-costs measures what a page fault and a system call cost on this
// machine, the two prices that shaped validate's file reading and memory
// use (see the README's Speed section). Linux only.
//
//	go run scripts/machine-costs.go
package main

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

func main() {
	const size = 32 << 20
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mmap:", err)
		os.Exit(1)
	}
	pages := size / os.Getpagesize()
	start := time.Now()
	for i := 0; i < size; i += os.Getpagesize() {
		mem[i] = 1 // the first touch of each page faults it in
	}
	fault := time.Since(start) / time.Duration(pages)

	const calls = 100_000
	start = time.Now()
	for range calls {
		syscall.Getppid()
	}
	call := time.Since(start) / calls
	fmt.Printf("page fault (first touch of a 4 KiB page): %v\nsystem call (getppid): %v\n", fault, call)
}
