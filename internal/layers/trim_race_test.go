package layers

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTrimWhileBuilding: 16 builds share one cache while trims with
// maximum age 0 (remove everything unused) run in a loop; no build ever
// finds a layer it looked up or wrote gone when it writes its outputs, 20
// rounds in a row, and the trims did remove what the ended builds left.
func TestTrimWhileBuilding(t *testing.T) {
	dir := t.TempDir()
	for round := range 20 {
		var trims, removed atomic.Int64
		stop := make(chan struct{})
		trimmed := make(chan error, 1)
		go func() { trimmed <- trimLoop(dir, stop, &trims, &removed) }()
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := raceBuild(dir, round, i); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(stop)
		if err := <-trimmed; err != nil {
			t.Fatalf("round %d: trim: %v", round, err)
		}
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
		if t.Failed() {
			return
		}
		if trims.Load() == 0 || removed.Load() == 0 {
			t.Fatalf("round %d: %d trims removed %d files: the test tested nothing", round, trims.Load(), removed.Load())
		}
	}
}

// trimLoop trims dir with maximum age 0 until stop is closed, and once
// more after, counting the trims that ran and the files they removed.
func trimLoop(dir string, stop chan struct{}, trims, removed *atomic.Int64) error {
	c, err := OpenCache(dir)
	if err != nil {
		return err
	}
	for done := false; !done; {
		select {
		case <-stop:
			done = true
		default:
		}
		u, err := c.Trim(time.Now(), 0)
		if errors.Is(err, ErrBusy) {
			continue
		}
		if err != nil {
			return err
		}
		trims.Add(1)
		removed.Add(int64(u.Files))
	}
	return nil
}

// raceBuild is one build: it looks up or writes layers shared with the
// other builds (as the CA and identity layers are) and one of its own,
// then reads them all back as an output writer does.
func raceBuild(dir string, round, i int) error {
	c, err := OpenCache(dir)
	if err != nil {
		return err
	}
	defer c.Close()
	var ls []*Layer
	for _, text := range []string{"ca", "tzdata", "identity", fmt.Sprintf("app %d.%d", round, i)} {
		size, open := content(text)
		l, err := Build(c, []Entry{{Path: "/" + text, Mode: 0o644, Size: size, Open: open}}, Options{})
		if err != nil {
			return err
		}
		ls = append(ls, l)
		time.Sleep(time.Millisecond)
	}
	for _, l := range ls {
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
