package report

import (
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// The counts table laid out by hand must be lipgloss's, byte for byte.
func TestCountsTableMatchesLipgloss(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		const chars = "abcdefghijklmnopqrstuvwxyz0123456789-_ ./()"
		n := rng.IntN(16)
		if rng.IntN(10) == 0 {
			n = 30 + rng.IntN(20)
		}
		var b strings.Builder
		for range n {
			b.WriteByte(chars[rng.IntN(len(chars))])
		}
		return b.String()
	}
	for i := range 300 {
		cols := 1 + rng.IntN(8)
		head := make([]string, cols)
		for c := range head {
			head[c] = word()
		}
		var rows [][]string
		for range rng.IntN(6) {
			row := make([]string, cols)
			for c := range row {
				row[c] = word()
			}
			rows = append(rows, row)
		}
		got, want := countsTable(io.Discard, head, rows), lipglossTable(io.Discard, head, rows)
		if got != want {
			t.Fatalf("case %d: head %q rows %q\ngot:\n%s\nlipgloss:\n%s", i, head, rows, got, want)
		}
	}
	// Beyond printable ASCII, lipgloss lays it out.
	head, rows := []string{"blueprint", "n"}, [][]string{{"sérvice\x1b[31m", "1"}}
	if got, want := countsTable(io.Discard, head, rows), lipglossTable(io.Discard, head, rows); got != want {
		t.Fatalf("non-ASCII: got\n%s\nwant\n%s", got, want)
	}
}
