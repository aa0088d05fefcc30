package gitdiff

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/port-gitops/port-gitops/internal/safefile"
)

// TestObjectReaderOracle reads every object of generated repositories with
// the mapped-pack reader and compares type and content with git cat-file
// --batch: one pack with deep delta chains, a second pack, and loose
// objects, all at once.
func TestObjectReaderOracle(t *testing.T) {
	t.Parallel()
	needGit(t)
	for seed := range 3 {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(seed), 0xcafe))
			dir := initRepo(t)
			specs := generateHistory(rng, 12)
			// Similar large blobs make delta chains.
			big := strings.Repeat("line of an entity file that changes a little\n", 400)
			for i := range specs {
				specs[i].tree["big.json"] = file(big + strconv.Itoa(i))
			}
			buildCommits(t, dir, specs[:6])
			git(t, dir, "repack", "-adfq", "--window=50", "--depth=50")
			buildCommits(t, dir, specs[:9])
			git(t, dir, "repack", "-dq") // a second pack of the new objects
			before := packFiles(t, dir)
			buildCommits(t, dir, specs)
			for _, p := range packFiles(t, dir) {
				if !slices.Contains(before, p) {
					unpackOne(t, dir, p) // and loose objects
				}
			}
			if out := git(t, dir, "count-objects", "-v"); !strings.Contains(out, "packs: 2") || strings.Contains(out, "count: 0\n") {
				t.Fatalf("want two packs and loose objects:\n%s", out)
			}
			if vp := verifyPack(t, dir); !strings.Contains(vp, "chain length = ") {
				t.Fatalf("no deltas in the packs:\n%s", vp)
			}

			r := openRepo(t, dir)
			list := git(t, dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
			cmd := exec.Command("git", "cat-file", "--batch")
			cmd.Dir, cmd.Env, cmd.Stdin = dir, gitEnv(), strings.NewReader(list)
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(bytes.NewReader(out))
			type object struct {
				h    Hash
				typ  string
				want []byte
			}
			var objs []object
			n := 0
			for {
				hdr, err := br.ReadString('\n')
				if err == io.EOF {
					break
				}
				f := strings.Fields(hdr)
				size, _ := strconv.Atoi(f[2])
				want := make([]byte, size+1)
				if _, err := io.ReadFull(br, want); err != nil {
					t.Fatal(err)
				}
				h, _ := ParseHash(f[0])
				objs = append(objs, object{h, f[1], want[:size]})
			}
			// Three passes: the later ones find the delta bases in the
			// cache, and the caller's copy is its own (zeroed after each
			// read without harm to the next pass).
			for pass := range 3 {
				for _, obj := range objs {
					typ, got, err := r.fast.read(obj.h, -1)
					if err != nil {
						t.Fatalf("pass %d: read %s (%s): %v", pass, obj.h, obj.typ, err)
					}
					if typ.String() != obj.typ || !bytes.Equal(got, obj.want) {
						t.Fatalf("pass %d: read %s: %s of %d bytes, git cat-file: %s of %d", pass, obj.h, typ, len(got), obj.typ, len(obj.want))
					}
					clear(got)
					n++
				}
			}
			if n < 300 {
				t.Fatalf("only %d objects compared", n)
			}
			if len(r.fast.cache) == 0 {
				t.Fatal("no delta base was cached: the cached path is not tested")
			}
			// A cached object over the limit is refused too.
			for k, entry := range r.fast.cache {
				for _, obj := range objs {
					if off, ok := k.p.find(obj.h); ok && off == k.off && len(entry) > 2 {
						if _, _, err := r.fast.read(obj.h, int64(len(entry)-2)); !errors.Is(err, safefile.ErrTooLarge) {
							t.Errorf("cached read over the limit: %v", err)
						}
					}
				}
				break
			}
			// A blob over the limit is refused from its header.
			if _, _, err := r.fast.read(blob(big+"11"), 100); !errors.Is(err, safefile.ErrTooLarge) {
				t.Errorf("read over the limit: %v", err)
			}
			// An object in no pack and not loose is left to go-git.
			if _, _, err := r.fast.read(blob("nowhere"), -1); !errors.Is(err, errNotHere) {
				t.Errorf("read of an absent object: %v", err)
			}
		})
	}
}

func packFiles(t *testing.T, dir string) []string {
	packs, err := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.pack"))
	if err != nil {
		t.Fatal(err)
	}
	return packs
}

func verifyPack(t *testing.T, dir string) string {
	packs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.idx"))
	var all strings.Builder
	for _, p := range packs {
		all.WriteString(git(t, dir, "verify-pack", "-v", p))
	}
	return all.String()
}
