//go:build linux

package gitdiff

import "syscall"

// mapPopulate maps every page of a file at once.
const mapPopulate = syscall.MAP_POPULATE
