//go:build fancy

package main

const flavour = "fancy"
