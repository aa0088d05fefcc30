//go:build ignore

// floor is the reference scripts/bench.sh times port-gitops validate
// against: the least a validator of entity.json files has to do. Given a
// file, it reads it and json.Unmarshals it; given a directory, it walks it,
// and reads and json.Unmarshals every entity.json below it with 2 workers
// (what validate has on the 2-core machine). It prints the number of files
// and exits 1 when one does not parse, so a benchmark cannot time a floor
// that did nothing.
//
//	go build -o floor scripts/floor.go
//	floor services/g000/svc-00000/entity.json
//	floor .
package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

const workers = 2

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor FILE|DIR")
		os.Exit(2)
	}
	root := os.Args[1]
	st, err := os.Stat(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	if !st.IsDir() {
		if err := parse(root); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(1)
		return
	}
	paths := make(chan string, 256)
	var n, bad atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				n.Add(1)
				if err := parse(p); err != nil {
					fmt.Fprintln(os.Stderr, err)
					bad.Add(1)
				}
			}
		}()
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "entity.json" {
			paths <- p
		}
		return nil
	})
	close(paths)
	wg.Wait()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	fmt.Println(n.Load())
	if bad.Load() > 0 || n.Load() == 0 {
		os.Exit(1)
	}
}

func parse(p string) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}
