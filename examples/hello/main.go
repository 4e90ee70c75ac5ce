// Command hello is the smallest useful example: it prints a greeting and the
// platform it runs on, so you can see which image of a multi-arch index your
// runtime picked.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("hello from %s/%s, built by mingo\n", runtime.GOOS, runtime.GOARCH)
}
