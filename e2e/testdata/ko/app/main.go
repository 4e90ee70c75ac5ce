// Command koapp prints its kodata files, read the way a ko program reads
// them, and a time in America/New_York (the image's tzdata).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

var version = "unset"

func main() {
	dir := os.Getenv("KO_DATA_PATH")
	for _, name := range []string{"hello.txt", "link.txt", "sub/nested.txt"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Printf("%s: %s", name, b)
	}
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("new york:", time.Unix(1700000000, 0).In(loc).Format(time.RFC3339))
	fmt.Println("version:", version)
}
