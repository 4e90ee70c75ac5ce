//go:build e2e

package main

const tagged = "e2e"
