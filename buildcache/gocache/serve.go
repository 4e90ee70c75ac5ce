package gocache

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Store keeps the go command's outputs for Serve. Its methods are called
// concurrently.
type Store interface {
	// Get returns the output recorded for the action ID, or nil when
	// there is none. Output.DiskPath must hold exactly the bytes whose
	// SHA-256 is Output.ID.
	Get(ctx context.Context, action []byte) (*Output, error)
	// Put records body, size bytes whose SHA-256 is output, under the
	// action ID and returns the path of a local file that holds it.
	Put(ctx context.Context, action, output []byte, body io.Reader, size int64) (string, error)
	// Close is called once the go command is done: it finishes what
	// Put started (such as uploads) as far as ctx allows.
	Close(ctx context.Context) error
}

// Output is an output of the go command as a Store keeps it.
type Output struct {
	// ID is the SHA-256 of the output's bytes, Size their number.
	ID   []byte
	Size int64
	// Time is when the output was put.
	Time time.Time
	// DiskPath is a local file holding the bytes, until Close at least.
	DiskPath string
}

// Serve speaks the GOCACHEPROG protocol on r (the go command's requests)
// and w (the responses), keeping outputs in s, until the go command sends
// "close" or closes r, or ctx is done. Requests are handled concurrently
// and answered as they complete.
func Serve(ctx context.Context, r io.Reader, w io.Writer, s Store) error {
	out := &responder{w: bufio.NewWriter(w)}
	if err := out.send(&response{KnownCommands: []string{cmdGet, cmdPut, cmdClose}}); err != nil {
		return err
	}
	reqs := make(chan incoming)
	readErr := make(chan error, 1)
	go func() { readErr <- readRequests(ctx, r, reqs) }()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			wg.Wait()
			if cerr := s.Close(ctx); err == nil {
				err = cerr
			}
			return err
		case in := <-reqs:
			if in.Command == cmdClose {
				wg.Wait()
				res := &response{ID: in.ID}
				if err := s.Close(ctx); err != nil {
					res.Err = err.Error()
				}
				return out.send(res)
			}
			wg.Go(func() { out.send(handle(ctx, s, in)) })
		}
	}
}

// incoming is a request with its body.
type incoming struct {
	request
	body []byte
}

// readRequests decodes requests from r onto reqs until r ends (nil) or
// fails.
func readRequests(ctx context.Context, r io.Reader, reqs chan<- incoming) error {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	for {
		var in incoming
		if err := dec.Decode(&in.request); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading a request: %w", err)
		}
		if in.BodySize > 0 {
			if err := dec.Decode(&in.body); err != nil {
				return fmt.Errorf("reading the body of request %d: %w", in.ID, err)
			}
			if int64(len(in.body)) != in.BodySize {
				return fmt.Errorf("request %d: body of %d bytes, announced %d", in.ID, len(in.body), in.BodySize)
			}
		}
		select {
		case reqs <- in:
		case <-ctx.Done():
			return ctx.Err()
		}
		if in.Command == cmdClose {
			return nil
		}
	}
}

// handle answers a get or a put.
func handle(ctx context.Context, s Store, in incoming) *response {
	res := &response{ID: in.ID}
	switch in.Command {
	case cmdGet:
		o, err := s.Get(ctx, in.ActionID)
		switch {
		case err != nil:
			res.Err = err.Error()
		case o == nil:
			res.Miss = true
		default:
			t := o.Time
			res.OutputID, res.Size, res.Time, res.DiskPath = o.ID, o.Size, &t, o.DiskPath
		}
	case cmdPut:
		path, err := s.Put(ctx, in.ActionID, in.OutputID, bytes.NewReader(in.body), in.BodySize)
		if err != nil {
			res.Err = err.Error()
		}
		res.DiskPath = path
	default:
		res.Err = fmt.Sprintf("unknown command %q", in.Command)
	}
	return res
}

// responder writes responses, one at a time.
type responder struct {
	mu  sync.Mutex
	w   *bufio.Writer
	err error
}

func (r *responder) send(res *response) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	r.w.Write(append(b, '\n'))
	r.err = r.w.Flush()
	if r.err != nil {
		r.err = fmt.Errorf("writing a response: %w", r.err)
	}
	return r.err
}
