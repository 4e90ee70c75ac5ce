package layers

import (
	"context"
	"crypto/sha256"
	"math/rand/v2"
	"os"
	"testing"
)

// A digester gives SHA-256's digest, aside or not, whatever the sizes of
// the writes: none, empty, smaller than a chunk, across chunk boundaries,
// many chunks at once.
func TestDigester(t *testing.T) {
	data := make([]byte, 7*asideChunk+999)
	rand.NewChaCha8([32]byte{3}).Read(data)
	for _, sizes := range [][]int{
		nil,
		{0},
		{1, 0, 10},
		{asideChunk - 1, 2, asideChunk},
		{32 << 10, 32 << 10, 32 << 10, 1},
		{len(data)},
	} {
		var written []byte
		inline, aside := newDigester(false), newDigester(true)
		off := 0
		for _, n := range sizes {
			p := data[off : off+n]
			off += n
			written = append(written, p...)
			for _, d := range []*digester{inline, aside} {
				if m, err := d.Write(p); m != n || err != nil {
					t.Fatalf("Write of %d bytes = %d, %v", n, m, err)
				}
			}
		}
		want := sha256.Sum256(written)
		if got := inline.Sum(); string(got) != string(want[:]) {
			t.Errorf("writes %v: inline sum %x, want %x", sizes, got, want)
		}
		if got := aside.Sum(); string(got) != string(want[:]) {
			t.Errorf("writes %v: aside sum %x, want %x", sizes, got, want)
		}
		aside.Close() // after Sum: a no-op
	}
}

// Close without Sum ends the goroutine of a digester an error abandoned,
// with chunks still queued.
func TestDigesterCloseWithoutSum(t *testing.T) {
	d := newDigester(true)
	d.Write(make([]byte, 3*asideChunk+1))
	d.Close()
	d.Close()
	select {
	case <-d.done:
	default:
		t.Fatal("Close returned with the goroutine running")
	}
}

// BenchmarkBinaryLayer writes the layer of a Go binary (this test's own)
// with its hashes inline and aside: what the last layer of an
// edit-and-rebuild loop costs, with the other processors idle.
func BenchmarkBinaryLayer(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for _, aside := range []bool{false, true} {
		b.Run(map[bool]string{false: "inline", true: "aside"}[aside], func(b *testing.B) {
			c, err := OpenCache(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				e, err := File(exe, "/app", 0o755)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := BuildFresh(context.Background(), c, []Entry{e}, Options{HashAside: aside}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
