// Package workers runs functions concurrently and waits for them all. It
// is the third-party module of mingo's test fixtures, served to them by
// the module proxy in testdata/proxy, so that no test needs the network or
// a module cache that a previous run filled.
package workers

import "sync"

// Version is this module's version, so that a dependency bump changes the
// programs that use it.
const Version = "v1.0.0"

// Group runs functions in goroutines; Wait returns the first error.
type Group struct {
	wg   sync.WaitGroup
	once sync.Once
	err  error
}

// Go runs f in a new goroutine.
func (g *Group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.once.Do(func() { g.err = err })
		}
	}()
}

// Wait waits for every function started by Go and returns the first error.
func (g *Group) Wait() error {
	g.wg.Wait()
	return g.err
}
