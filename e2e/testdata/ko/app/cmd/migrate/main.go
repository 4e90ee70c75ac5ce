// Command migrate is the second program of the app's image (--with).
package main

import "fmt"

func main() { fmt.Println("migrate: done") }
