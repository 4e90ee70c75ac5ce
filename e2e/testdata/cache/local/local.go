// Package local is a module the fixture takes through a replace directive.
package local

// Name is who is greeted.
func Name() string { return "local" }
