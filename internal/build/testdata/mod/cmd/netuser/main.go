// Command netuser imports net and os/user, which link libc when cgo is on.
package main

import (
	"fmt"
	"net"
	"os/user"
)

func main() {
	_, err := user.Current()
	fmt.Println(net.ParseIP("127.0.0.1"), err == nil)
}
