package build

import (
	"context"
	"maps"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/internal/gotool"
)

// session is one Build call: it asks the go command, git and the registry
// each question once, however many targets need the answer, so that thirty
// packages cost what one does. Different questions are asked concurrently.
type session struct {
	*Builder
	goVersion memo[string]
	zoneinfo  memo[string]
	goroot    string // from the go env the build checked; "" if unknown
	// goCacheProg is the GOCACHEPROG mingo sets, "" to leave the user's.
	goCacheProg string
	mu          sync.Mutex
	bases       map[string]*memo[*baseImage]
	vcsInfos    map[string]*memo[vcsInfo]     // module dir -> source, revision, commit time
	generated   map[string]*memo[[]layerSpec] // generated-layer settings -> layers
	dlv         map[string]*memo[layerSpec]   // platform and compression -> Delve's layer
	cache       *buildcache.Client            // nil without Builder.CacheRepo
	workspaces  []*workspace                  // whose binaries' stamps to record
	// toStart counts the batches that have not yet come to start their
	// go build (or found they need none); started is closed when none is
	// left (see Build).
	toStart sync.WaitGroup
	started chan struct{}
	// building counts the go builds running, layering the binary layers
	// being written (see spare).
	building, layering atomic.Int32
}

// spare reports whether a processor would idle while one more binary
// layer is written (see layers.Options.HashAside): no go build runs (one
// may keep every processor busy) and fewer layers than processors are
// written, this one included. It counts the layer until the returned func
// is called.
func (s *session) spare() (bool, func()) {
	n := s.layering.Add(1)
	return s.building.Load() == 0 && int(n) < runtime.GOMAXPROCS(0), func() { s.layering.Add(-1) }
}

// afterStarts waits until every batch has come to start its go build, or
// ctx is done.
func (s *session) afterStarts(ctx context.Context) {
	select {
	case <-s.started:
	case <-ctx.Done():
	}
}

// memo is a value computed at most once, by the first caller that needs
// it; the others wait for it.
type memo[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (m *memo[T]) get(f func() (T, error)) (T, error) {
	m.once.Do(func() { m.v, m.err = f() })
	return m.v, m.err
}

// entry returns the memo of key in *mp, adding it (and the map) if new.
func entry[T any](mu *sync.Mutex, mp *map[string]*memo[T], key string) *memo[T] {
	mu.Lock()
	defer mu.Unlock()
	if *mp == nil {
		*mp = map[string]*memo[T]{}
	}
	m, ok := (*mp)[key]
	if !ok {
		m = &memo[T]{}
		(*mp)[key] = m
	}
	return m
}

// goVer returns the version of the go command that builds the binaries,
// asked once: what `go build` runs, not necessarily the Go that built
// mingo; "unknown" when the go command does not say.
func (s *session) goVer(ctx context.Context) string {
	v, _ := s.goVersion.get(func() (string, error) {
		v, err := gotool.Var(ctx, "", "GOVERSION")
		if err != nil {
			return "unknown", nil
		}
		return v, nil
	})
	return v
}

// base returns the base image named base, fetched once per session so
// that every target on it uses one digest.
func (s *session) base(ctx context.Context, base string) (*baseImage, error) {
	return entry(&s.mu, &s.bases, base).get(func() (*baseImage, error) {
		return resolveBase(ctx, base, s.Remote)
	})
}

// vcs returns what git says of the checkout of the module in dir, asked
// once per module; the annotations are the caller's to change.
func (s *session) vcs(ctx context.Context, dir string) vcsInfo {
	v, _ := entry(&s.mu, &s.vcsInfos, dir).get(func() (vcsInfo, error) {
		return memoVCS(s.Cache.Dir(), dir, func() (vcsInfo, bool) { return readVCS(ctx, dir) }), nil
	})
	v.annots = maps.Clone(v.annots)
	return v
}
