// Command caps prints its permitted capabilities (CapPrm of
// /proc/self/status) and whether it may bind port 80.
package main

import (
	"fmt"
	"net"
	"os"
	"strings"
)

func main() {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "CapPrm:"); ok {
			fmt.Println("CapPrm:", strings.TrimSpace(v))
		}
	}
	l, err := net.Listen("tcp", ":80")
	if err != nil {
		fmt.Println("bind 80: refused")
		return
	}
	l.Close()
	fmt.Println("bind 80: ok")
}
