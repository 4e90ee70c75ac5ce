package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mingo-build/mingo/sign"
)

// An error of sign.Open gets the signing flag that fixes it.
func TestSignAdvice(t *testing.T) {
	key := sign.Options{Key: "cosign.key"}
	for _, tc := range []struct {
		err  error
		o    sign.Options
		want string
	}{
		{sign.ErrKeylessNoLog, sign.Options{NoTransparencyLog: true}, ": drop --tlog-upload=false, or sign with --key"},
		{sign.ErrNoPassword, key, "--key: set COSIGN_PASSWORD to the key's passphrase (empty for none)"},
		{fmt.Errorf("sign: cosign.key: %w", sign.ErrWrongPassword), key, "the passphrase in COSIGN_PASSWORD does not decrypt cosign.key: set the one the key was made with"},
		{&sign.LogError{URL: "https://rekor", Err: errors.New("down")}, key, "transparency log https://rekor: down: set --rekor-url, or sign offline with --tlog-upload=false"},
		{errors.New("fulcio: 503"), sign.Options{}, "fulcio: 503 (--fulcio-url and --rekor-url name a private Sigstore; --key signs without Fulcio)"},
		{sign.ErrNoKeyless, sign.Options{}, sign.ErrNoKeyless.Error()},
	} {
		got := signAdvice(tc.err, tc.o)
		if !strings.Contains(got.Error(), tc.want) || !errors.Is(got, tc.err) {
			t.Errorf("signAdvice(%v) = %q, want %q, keeping the chain", tc.err, got, tc.want)
		}
	}
	if signAdvice(nil, key) != nil {
		t.Error("signAdvice(nil) is an error")
	}
}

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
