// Command greet is the third-party program of mingo's fixtures that
// mingo build PKG@VERSION packages: it prints its version and its
// dependencies', then its arguments.
package main

import (
	"fmt"
	"os"
	"strings"

	"example.com/workers"
)

func main() {
	fmt.Println("greet v1.0.0 workers " + workers.Version + " " + strings.Join(os.Args[1:], " "))
}
