// Package gotool runs the go command: every `go env`, `go list`,
// go/packages load and `go build` mingo makes goes through it, in one
// environment (see Env), so that the same source and Go version give the
// same answers and the same binary on every machine.
package gotool
