//go:build ignore

// trivial is scripts/bench.sh's second reference for a one-file validate: a
// Go binary that starts and exits, the cost of a Go process on the machine.
//
//	go build -o trivial scripts/trivial.go
package main

func main() {}
