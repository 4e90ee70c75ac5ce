// Package other is in the module but no binary imports it.
package other

// Answer is 42.
func Answer() int { return 42 }
