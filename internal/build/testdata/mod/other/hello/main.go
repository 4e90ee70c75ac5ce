// Command hello is a second command named hello, in another directory: it
// cannot share a `go build -o DIR/` with cmd/hello.
package main

import "fmt"

func main() { fmt.Println("the other hello") }
