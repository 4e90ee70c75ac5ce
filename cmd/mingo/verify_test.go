package main

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/mingo-build/mingo/verify"
)

// The library's errors reach the user worded as mingo verify words them,
// naming the argument or flag to fix.
func TestVerifyAdvice(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{verify.ErrNoRecipe, "img has no dev.mingo.recipe annotation: it was not built by mingo (or by an older mingo), so there is no recipe to rebuild it from"},
		{&verify.InputError{Input: verify.InputImage, Err: errors.New("./nope.tar: file does not exist")}, "IMAGE ./nope.tar: file does not exist"},
		{&verify.InputError{Input: verify.InputImage, Err: fmt.Errorf(". %w", verify.ErrNoLayoutFile)}, "IMAGE . is a directory without an oci-layout file: give an --oci-layout directory"},
		{&verify.InputError{Input: verify.InputImage, Err: &verify.ReferenceError{Arg: "Bad", Err: errors.New("bad")}}, `invalid IMAGE "Bad": not a tarball or OCI layout here, nor a registry/repository:tag or @sha256:... reference: bad`},
		{&verify.InputError{Input: verify.InputCABundle, Err: os.ErrNotExist}, "--ca-bundle: file does not exist"},
		{&verify.InputError{Input: verify.InputLDFlags, Err: errors.New("template")}, "--ldflags: template"},
	} {
		if got := verifyAdvice("img", tc.err); got == nil || got.Error() != tc.want {
			t.Errorf("verifyAdvice(%v) = %v, want %s", tc.err, got, tc.want)
		}
	}
}
