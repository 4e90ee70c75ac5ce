package build

import (
	"testing"
	"time"

	"github.com/mingo-build/mingo/internal/layers"
)

// A build waiting on another's workspace lock says so after waitNotice,
// naming the directory, and goes on once the lock is released.
func TestWorkspaceWaitSays(t *testing.T) {
	c, err := layers.OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer func(d time.Duration) { waitNotice = d }(waitNotice)
	waitNotice = 50 * time.Millisecond
	first, err := openWorkspace(c, ".", "k", func(string) { t.Error("the first build waited") })
	if err != nil {
		t.Fatal(err)
	}
	told := make(chan string, 1)
	opened := make(chan error, 1)
	go func() {
		ws, err := openWorkspace(c, ".", "k", func(dir string) { told <- dir })
		if err == nil {
			ws.close()
		}
		opened <- err
	}()
	select {
	case dir := <-told:
		if dir != first.dir {
			t.Errorf("waiting named %s, want %s", dir, first.dir)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second build did not say it waits")
	}
	first.close()
	if err := <-opened; err != nil {
		t.Fatal(err)
	}
}
