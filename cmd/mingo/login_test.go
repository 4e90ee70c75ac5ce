package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mingo-build/mingo/publish"
)

// The library's login errors reach the user with what to do about them.
func TestLoginAdvice(t *testing.T) {
	for _, tc := range []struct {
		err  error
		path string
		want string
	}{
		{&publish.InvalidRegistryError{Registry: "bad host", Err: errors.New("bad")}, "", `invalid registry "bad host": give a host[:port] such as ghcr.io: bad`},
		{&publish.RegistryError{Registry: "reg.io", Problem: publish.Unauthorized, Err: errors.New("401")}, "", "registry reg.io rejected the credentials for user me: check the user and the password or token"},
		{fmt.Errorf("%w: no home", publish.ErrNoDockerConfig), "", "finding the Docker config: no home: set DOCKER_CONFIG"},
		{&publish.CredentialHelperError{Config: "c.json", Registry: "reg.io", Helper: "desktop"}, "c.json", `c.json sends credentials for reg.io to the credential helper "desktop", which would ignore what mingo writes: use docker login, or remove the helper from the config`},
		{errors.New("reading c.json: bad JSON"), "c.json", "reading c.json: bad JSON: fix or remove c.json"},
	} {
		if got := loginAdvice(tc.err, "reg.io", "me", tc.path); got == nil || got.Error() != tc.want {
			t.Errorf("loginAdvice(%v) = %v, want %s", tc.err, got, tc.want)
		}
	}
}
