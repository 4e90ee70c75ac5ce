// Command probe prints the platform it runs on, so a test can tell which
// image of an index a runtime picked.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

func main() {
	fmt.Println("probe", runtime.GOOS+"/"+runtime.GOARCH, strings.Join(os.Args[1:], " "))
}
