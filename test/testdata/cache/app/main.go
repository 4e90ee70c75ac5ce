// Command cacheapp is the fixture of the build cache tests: it reads a
// main-module package, an embedded file, a replaced local module and a
// module from the module cache.
package main

import (
	_ "embed"
	"fmt"

	"example.com/cacheapp/internal/greet"
	"example.com/local"
	"golang.org/x/sync/errgroup"
)

//go:embed message.txt
var message string

var version = "dev"

func main() {
	var g errgroup.Group
	g.Go(func() error {
		fmt.Println(greet.Hello(local.Name()), message, version, flavour)
		return nil
	})
	_ = g.Wait()
}
