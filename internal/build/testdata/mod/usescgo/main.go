package main

import (
	"example.com/mod/clib"
	"fmt"
)

func main() { fmt.Println(clib.Answer()) }
