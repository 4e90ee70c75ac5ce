// Package ctxio makes long copies stop when their context is done: a
// reader or writer wrapped here checks the context before every call, so
// compressing a layer or writing a tarball ends within one buffer's worth
// of work after Ctrl-C instead of running to completion.
package ctxio

import (
	"context"
	"io"
)

// Reader returns r, failing with the context's cause once ctx is done.
func Reader(ctx context.Context, r io.Reader) io.Reader {
	if ctx.Done() == nil {
		return r
	}
	return &reader{ctx, r}
}

// Writer returns w, failing with the context's cause once ctx is done.
func Writer(ctx context.Context, w io.Writer) io.Writer {
	if ctx.Done() == nil {
		return w
	}
	return &writer{ctx, w}
}

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (r *reader) Read(p []byte) (int, error) {
	if r.ctx.Err() != nil {
		return 0, context.Cause(r.ctx)
	}
	return r.r.Read(p)
}

type writer struct {
	ctx context.Context
	w   io.Writer
}

func (w *writer) Write(p []byte) (int, error) {
	if w.ctx.Err() != nil {
		return 0, context.Cause(w.ctx)
	}
	return w.w.Write(p)
}
