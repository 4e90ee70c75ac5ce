package layers

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseCapabilities(t *testing.T) {
	got, err := ParseCapabilities([]string{"CAP_NET_BIND_SERVICE", "chown", "net_bind_service", "Bpf"})
	if err != nil || !reflect.DeepEqual(got, []string{"chown", "net_bind_service", "bpf"}) {
		t.Errorf("ParseCapabilities = %v, %v", got, err)
	}
	if _, err := ParseCapabilities([]string{"net_bind"}); err == nil {
		t.Error("unknown capability: no error")
	}
}

func TestCapabilityXattr(t *testing.T) {
	v, err := CapabilityXattr([]string{"net_bind_service", "chown", "bpf"})
	if err != nil {
		t.Fatal(err)
	}
	// magic 0x02000001 (revision 2, effective); permitted[0] bits 0 and
	// 10; inheritable 0; permitted[1] bit 39-32=7; inheritable 0.
	want := "01000002" + "01040000" + "00000000" + "80000000" + "00000000"
	if got := hex.EncodeToString([]byte(v)); got != want {
		t.Errorf("xattr = %s, want %s", got, want)
	}
}

func TestCapabilityInLayer(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "app")
	os.WriteFile(bin, []byte("binary"), 0o755)
	e, err := File(bin, "/usr/local/bin/app", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := CapabilityXattr([]string{"net_bind_service"})
	e.PAXRecords = map[string]string{CapabilityPAX: v}
	c, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l, err := Build(c, []Entry{e}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := l.Compressed()
	zr, _ := gzip.NewReader(rc)
	raw, _ := io.ReadAll(zr)
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no binary in the layer: %v", err)
		}
		if h.Name == "usr/local/bin/app" {
			if h.PAXRecords[CapabilityPAX] != v {
				t.Errorf("PAX records %q, want the capability", h.PAXRecords)
			}
			return
		}
	}
}
