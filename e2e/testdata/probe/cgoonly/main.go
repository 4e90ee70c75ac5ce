// Command cgoonly cannot build without cgo.
package main

// #include <stdlib.h>
import "C"

func main() { C.free(nil) }
