package ctxio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestStopsWhenDone(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("interrupted")
	r := Reader(ctx, strings.NewReader("hello"))
	var out bytes.Buffer
	w := Writer(ctx, &out)
	if _, err := io.CopyN(w, r, 2); err != nil {
		t.Fatal(err)
	}
	cancel(stop)
	if _, err := io.Copy(w, r); !errors.Is(err, stop) {
		t.Errorf("copy after cancel: %v, want %v", err, stop)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, stop) {
		t.Errorf("write after cancel: %v", err)
	}
	if out.String() != "he" {
		t.Errorf("wrote %q", out.String())
	}
	if Reader(context.Background(), r) != r {
		t.Error("a context that is never done should not wrap")
	}
}
