// Command alpha is one of three commands the many-packages test builds.
package main

import "fmt"

func main() { fmt.Println("alpha") }
