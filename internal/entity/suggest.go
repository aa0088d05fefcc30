package entity

import "strings"

// Suggest returns the candidate closest to word, for a "did you mean"
// hint, or "" when none is close enough. Closeness is the edit distance
// (insertions, deletions, substitutions and swaps of neighbouring
// characters, counted in runes); a candidate that differs only in case wins
// outright. A candidate qualifies when its distance is below the length of
// word and at most a third of it (at least 1). Ties go to the earlier
// candidate, so pass candidates in a stable order.
func Suggest(word string, candidates []string) string {
	w := []rune(word)
	limit := max(1, len(w)/3)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if strings.EqualFold(c, word) {
			return c
		}
		d := editDistance(w, []rune(c), bestDist)
		if d < bestDist && d < len(w) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// Levenshtein plus transposition of two adjacent runes. Once it is sure to
// reach bound it may return any value ≥ bound.
func editDistance(a, b []rune, bound int) int {
	if abs(len(a)-len(b)) >= bound {
		return bound
	}
	// Three rolling rows: before last, last and current.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin >= bound {
			return bound
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
