// Command cacheapp is the fixture of the build cache tests: it reads a
// main-module package, an embedded file, a replaced local module and a
// module from the module cache (example.com/workers, served by the
// repository's module proxy, testdata/proxy).
package main

import (
	_ "embed"
	"fmt"

	"example.com/cacheapp/internal/greet"
	"example.com/local"
	"example.com/workers"
)

//go:embed message.txt
var message string

var version = "dev"

func main() {
	var g workers.Group
	g.Go(func() error {
		fmt.Println(greet.Hello(local.Name()), message, version, flavour)
		return nil
	})
	_ = g.Wait()
}
