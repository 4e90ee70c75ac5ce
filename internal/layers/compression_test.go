package layers

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"
)

func TestParseCompression(t *testing.T) {
	for in, want := range map[string]Compression{"": Gzip, "gzip": Gzip, "zstd": Zstd} {
		if got, err := ParseCompression(in); err != nil || got != want {
			t.Errorf("ParseCompression(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseCompression("xz"); !errors.Is(err, ErrCompression) {
		t.Errorf("ParseCompression(xz) = %v, want ErrCompression", err)
	}
}

// A zstd layer has the zstd media type, a blob that is a zstd stream of
// the same tar a gzip layer holds (same diff ID), the same bytes from two
// caches, and its own cache entry.
func TestBuildZstd(t *testing.T) {
	c := mustCache(t)
	gz, err := Build(c, sampleEntries(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	zs, err := Build(c, sampleEntries(), Options{Compression: Zstd})
	if err != nil {
		t.Fatal(err)
	}
	if mt, _ := zs.MediaType(); mt != types.OCILayerZStd {
		t.Errorf("media type %s, want %s", mt, types.OCILayerZStd)
	}
	if mt, _ := gz.MediaType(); mt != types.OCILayer {
		t.Errorf("gzip media type %s, want %s", mt, types.OCILayer)
	}
	gd, gid := digests(t, gz)
	zd, zid := digests(t, zs)
	if gd == zd {
		t.Fatal("zstd and gzip layers have the same digest: the cache served one for the other")
	}
	if gid != zid {
		t.Errorf("diff IDs differ: gzip %s, zstd %s; the tar must be the same", gid, zid)
	}
	rc, err := zs.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.HasPrefix(blob, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Fatalf("blob starts % x, not the zstd magic number", blob[:4])
	}
	if fmt.Sprintf("sha256:%x", sha256.Sum256(blob)) != zd {
		t.Error("blob does not match its digest")
	}
	dec, _ := zstd.NewReader(bytes.NewReader(blob))
	tarBytes, err := io.ReadAll(dec)
	dec.Close()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("sha256:%x", sha256.Sum256(tarBytes)) != zid {
		t.Error("decompressed blob does not match the diff ID")
	}
	if files := readLayer(t, zs); files["usr/local/bin/app"].data != "#!binary" {
		t.Errorf("Uncompressed() of the zstd layer: app holds %q", files["usr/local/bin/app"].data)
	}
	again, err := Build(mustCache(t), sampleEntries(), Options{Compression: Zstd})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := digests(t, again); d != zd {
		t.Errorf("zstd layer differs between caches: %s, %s", zd, d)
	}
	// Pinned: the compressor and its level are part of every digest; this
	// changes only with klauspost/compress or zstdLevel, never by machine.
	const want = "sha256:91796991abf674936ae90c90b65b1c1cf79c150971525fd0804d8fbff9ccce3f"
	if zd != want {
		t.Errorf("zstd digest of the sample layer is %s (was %s): did klauspost/compress or zstdLevel change?", zd, want)
	}
}

// A large, compressible input goes through several zstd blocks; the bytes
// still do not depend on GOMAXPROCS.
func TestZstdIndependentOfProcs(t *testing.T) {
	data := bytes.Repeat([]byte("mingo builds minimal images; "), 200000)
	entries := []Entry{{Path: "/big", Mode: 0o644, Size: int64(len(data)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	a, err := Build(mustCache(t), entries, Options{Compression: Zstd})
	if err != nil {
		t.Fatal(err)
	}
	var once []string
	for _, procs := range []int{2, 8} {
		runtime.GOMAXPROCS(procs)
		l, err := Build(mustCache(t), entries, Options{Compression: Zstd})
		if err != nil {
			t.Fatal(err)
		}
		d, _ := digests(t, l)
		once = append(once, d)
	}
	ad, _ := digests(t, a)
	for _, d := range once {
		if d != ad {
			t.Fatalf("zstd digests differ between builds: %s, %s", ad, d)
		}
	}
}
