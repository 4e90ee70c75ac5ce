// Command three is one of three programs the many-binaries benchmark builds.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "three") })
	log.Fatal(http.ListenAndServe(":"+os.Getenv("PORT"), nil))
}
