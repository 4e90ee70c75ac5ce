package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestGoCacheProgram(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	got, err := goCacheProgram("reg.example.com:5000/team/gocache", []string{"reg.example.com:5000"}, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := exe + " gocache --repo reg.example.com:5000/team/gocache --insecure-registry --registry-timeout 1m30s"
	if strings.ContainsAny(exe, " '\"") || got != want {
		t.Errorf("goCacheProgram = %q, want %q", got, want)
	}
	got, _ = goCacheProgram("ghcr.io/acme/cache", []string{"reg.example.com:5000"}, 0)
	if want := exe + " gocache --repo ghcr.io/acme/cache"; got != want {
		t.Errorf("goCacheProgram = %q, want %q", got, want)
	}
}
