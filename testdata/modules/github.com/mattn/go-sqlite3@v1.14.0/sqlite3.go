//go:build cgo

// Package sqlite3 is a fixture shaped like github.com/mattn/go-sqlite3:
// its driver is cgo, and its pure-Go side is a stub that fails at run
// time. Only the shape is real; mingo's tests build it from the proxy in
// testdata.
package sqlite3

// #include <stdlib.h>
import "C"

// Open opens a database.
func Open(name string) error { return nil }
