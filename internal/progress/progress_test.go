package progress

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mingo-build/mingo"
)

func TestStatusSaysCached(t *testing.T) {
	e := mingo.Event{Stage: mingo.Layering, BinarySize: 2048}
	if got := Status(e); got != "layering (binary 2.0 KiB)" {
		t.Errorf("compiled: %q", got)
	}
	e.Cached = true
	if got := Status(e); !strings.Contains(got, "from the cache repository") {
		t.Errorf("from the cache: %q", got)
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 512: "512 B", 1023: "1023 B", 2048: "2.0 KiB", 3 << 20: "3.0 MiB", 5 << 30: "5.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// Off a terminal, the display prints one plain line per change and no
// byte counters; quiet keeps only warnings; Debugf needs verbose.
func TestPlainLines(t *testing.T) {
	var b bytes.Buffer
	d := New(&b, false, false)
	d.Set("linux/amd64", "compiling example.com/hello", false)
	d.Set("linux/amd64", "compiling example.com/hello", false) // unchanged
	d.Set("push reg/app", "uploading 1 B / 2 B, 1 B/s", true)
	d.Logf("building %s", "x")
	d.Debugf("not shown")
	d.Warnf("cache %s", "damaged")
	d.Finish()
	want := "linux/amd64: compiling example.com/hello\nbuilding x\nwarning: cache damaged\n"
	if b.String() != want {
		t.Errorf("plain output = %q, want %q", b.String(), want)
	}

	b.Reset()
	d = New(&b, true, true)
	d.Set("linux/amd64", "built", false)
	d.Logf("building")
	d.Warnf("cache damaged")
	if b.String() != "warning: cache damaged\n" {
		t.Errorf("quiet output = %q", b.String())
	}
}
