//go:build cgo

// Package fastpath has a cgo side and a pure-Go one, as many real
// modules do: without cgo the pure-Go side builds, and mingo warns that
// the cgo files were left out.
package fastpath

// #include <stdlib.h>
import "C"

// Mode says which side was built.
func Mode() string { return "cgo" }
