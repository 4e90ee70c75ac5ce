//go:build ignore

// mkproxy remakes testdata/proxy from the module sources in
// testdata/modules and prints their go.sum lines:
//
//	go run testdata/mkproxy.go
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/mingo-build/mingo/internal/modproxy"
)

func main() {
	if err := os.RemoveAll("testdata/proxy"); err != nil {
		log.Fatal(err)
	}
	if err := modproxy.Write("testdata/modules", "testdata/proxy"); err != nil {
		log.Fatal(err)
	}
	sums, err := modproxy.SumLines("testdata/modules")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(sums)
}
