//go:build unix && !linux

package gitdiff

// mapPopulate is 0 where mmap has no MAP_POPULATE: pages are mapped as
// they are read.
const mapPopulate = 0
