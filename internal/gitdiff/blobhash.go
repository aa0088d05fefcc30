package gitdiff

import "github.com/go-git/go-git/v5/plumbing"

// BlobHash returns the object name git gives a blob of content: equal to a
// tree entry's hash when a working-tree file holds what is committed (with
// no clean filter or line-ending conversion in between).
func BlobHash(content []byte) Hash {
	return plumbing.ComputeHash(plumbing.BlobObject, content)
}
