package main

import (
	"testing"

	"github.com/mingo-build/mingo/sign"
)

// The flag combinations --sign cannot honour fail before sign.Open.
func TestSignerFlags(t *testing.T) {
	for _, tc := range []struct {
		f    signFlags
		push bool
		want string
	}{
		{signFlags{opts: sign.Options{Key: "k"}}, true, "--key and --provenance need --sign"},
		{signFlags{provenance: true}, true, "--key and --provenance need --sign"},
		{signFlags{sign: true}, false, "--sign signs what is pushed: drop --push=false, or --sign"},
	} {
		if _, err := tc.f.signer(t.Context(), tc.push); err == nil || err.Error() != tc.want {
			t.Errorf("signer(%+v) = %v, want %q", tc.f, err, tc.want)
		}
	}
	if s, err := (&signFlags{}).signer(t.Context(), true); s != nil || err != nil {
		t.Errorf("no --sign: %v, %v", s, err)
	}
}
