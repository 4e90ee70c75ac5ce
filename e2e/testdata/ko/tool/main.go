// Command kotool prints its version.
package main

import "fmt"

var version = "unset"

func main() { fmt.Println("kotool", version, tagged) }
