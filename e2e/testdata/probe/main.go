// Command probe reports what it finds in the image it runs in, so the
// end-to-end tests can tell which platform a runtime picked and whether the
// CA bundle, time zones, identity files and /tmp work.
//
//	probe [ARGS...]   prints "probe GOOS/GOARCH ARGS..."
//	probe check       prints roots=, paris=, user=, tmp= lines
//	probe get URL     fetches URL over HTTPS and prints the status code
//	probe cat FILE    prints the file
package main

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"runtime"
	"strings"
	"time"
)

func main() {
	args := os.Args[1:]
	switch {
	case len(args) == 1 && args[0] == "check":
		check()
	case len(args) == 2 && args[0] == "get":
		get(args[1])
	case len(args) == 2 && args[0] == "cat":
		if b, err := os.ReadFile(args[1]); err != nil {
			fmt.Println("cat=error:", err)
		} else {
			fmt.Printf("cat=%s\n", b)
		}
	default:
		fmt.Println("probe", runtime.GOOS+"/"+runtime.GOARCH, strings.Join(args, " "))
	}
}

func check() {
	if pool, err := x509.SystemCertPool(); err != nil {
		fmt.Println("roots=error:", err)
	} else {
		fmt.Printf("roots=%d\n", len(pool.Subjects())) //nolint:staticcheck // a count is all we need
	}
	if loc, err := time.LoadLocation("Europe/Paris"); err != nil {
		fmt.Println("paris=error:", err)
	} else {
		fmt.Println("paris=" + time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC).In(loc).Format("15:04"))
	}
	if u, err := user.Current(); err != nil {
		fmt.Printf("user=error: uid %d: %v\n", os.Getuid(), err)
	} else {
		fmt.Printf("user=%s %s\n", u.Uid, u.Username)
	}
	if f, err := os.CreateTemp("", "probe-"); err != nil {
		fmt.Println("tmp=error:", err)
	} else {
		f.Close()
		os.Remove(f.Name())
		fmt.Println("tmp=ok")
	}
}

func get(url string) {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		fmt.Println("get=error:", err)
		return
	}
	resp.Body.Close()
	fmt.Printf("get=%d\n", resp.StatusCode)
}
