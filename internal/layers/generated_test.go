package layers

import (
	"archive/tar"
	"context"
	"io"
	"testing"
)

// tarFile is one entry of a built layer.
type tarFile struct {
	hdr  *tar.Header
	data string
}

// readLayer returns the entries of l by tar name ("etc/passwd", "tmp/").
func readLayer(t *testing.T, l *Layer) map[string]tarFile {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files := map[string]tarFile{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = tarFile{h, string(b)}
	}
}

// The generated layers are the same bytes whichever cache (machine) builds
// them: their digests are part of every image mingo makes.
func TestGeneratedLayersAreStable(t *testing.T) {
	zip, err := ZoneinfoZip(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tz, err := TZDataEntries(zip)
	if err != nil {
		t.Fatal(err)
	}
	roots := MozillaRoots()
	n, err := ParseCABundle(roots)
	if err != nil {
		t.Fatal(err)
	}
	if n <= 100 {
		t.Errorf("MozillaRoots holds %d roots, want more than 100", n)
	}
	for _, tc := range []struct {
		name    string
		entries func() []Entry
	}{
		{"CA", func() []Entry { return CACertEntries(MozillaRoots()) }},
		{"tzdata", func() []Entry { return tz }},
		{"identity", IdentityEntries},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var size int64
			for range 2 {
				c, err := OpenCache(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				l, err := Build(c, tc.entries(), Options{})
				if err != nil {
					t.Fatal(err)
				}
				d, _ := digests(t, l)
				got = append(got, d)
				size, _ = l.Size()
			}
			if got[0] != got[1] {
				t.Errorf("%s layer digests differ between caches: %s vs %s", tc.name, got[0], got[1])
			}
			t.Logf("%s layer: %d bytes compressed, %s", tc.name, size, got[0])
		})
	}
}
