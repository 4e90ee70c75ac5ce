//go:build !cgo

package fastpath

// Mode says which side was built.
func Mode() string { return "pure-go" }
