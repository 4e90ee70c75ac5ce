package sign

import (
	"context"
	"testing"
)

// The requests a signer cannot honour fail before Open.
func TestRequestOpen(t *testing.T) {
	for _, tc := range []struct {
		r    Request
		want error
	}{
		{Request{Push: true, Options: Options{Key: "k"}}, ErrNotSigning},
		{Request{Push: true, Provenance: true}, ErrNotSigning},
		{Request{Sign: true}, ErrNotPushed},
		{Request{Sign: true, Provenance: true, Options: Options{Key: "k"}}, ErrNotPushed},
	} {
		if _, err := tc.r.Open(context.Background()); err != tc.want {
			t.Errorf("%+v.Open = %v, want %v", tc.r, err, tc.want)
		}
	}
	if s, err := (Request{Push: true}).Open(context.Background()); s != nil || err != nil {
		t.Errorf("no Sign: %v, %v", s, err)
	}
}
