// Command greet is the third-party program of mingo's fixtures that
// mingo build PKG@VERSION packages: it prints its version and its
// dependencies', then its arguments.
package main

import (
	"fmt"
	"os"
	"strings"

	"example.com/fastpath"
	"example.com/workers"
)

func main() {
	fmt.Println("greet v1.1.0 workers " + workers.Version + " " + fastpath.Mode() + " " + strings.Join(os.Args[1:], " "))
}
