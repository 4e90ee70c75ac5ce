//go:build !cgo

package sqlite3

import "errors"

// Open fails: the stub go-sqlite3 builds without cgo.
func Open(name string) error {
	return errors.New("Binary was compiled with 'CGO_ENABLED=0', go-sqlite3 requires cgo to work. This is a stub")
}
