// Command sqliteapp uses the go-sqlite3 fixture, whose pure-Go side is a
// stub: mingo refuses to build it.
package main

import sqlite3 "github.com/mattn/go-sqlite3"

func main() {
	if err := sqlite3.Open("x.db"); err != nil {
		panic(err)
	}
}
