// Package lib is not a command.
package lib
