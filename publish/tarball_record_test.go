package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// memRecord is a FileRecord in memory that counts what it was asked.
type memRecord struct {
	held     map[string]string
	recorded int
}

func (m *memRecord) Touch(path, key string) bool {
	if m.held[path] != key {
		return false
	}
	now := time.Now()
	m.recorded++
	return os.Chtimes(path, now, now) == nil
}

func (m *memRecord) Record(path, key string) {
	m.recorded++
	m.held[path] = key
}

// A Tarball with a Record writes the archive and records it; when the
// record says the file holds that archive, the file is only touched, not
// read: even bytes that differ stay as they are. Other images are written.
func TestTarballRecord(t *testing.T) {
	idx := testIndex(t)
	im, _ := idx.IndexManifest()
	load, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "api.tar")
	rec := &memRecord{held: map[string]string{}}
	tb := &Tarball{Path: p, Record: rec}
	items := []item{{artifact: idx, load: load, tags: tags(t, "reg/api:v1")}}
	key, err := archiveKey(items)
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.publish(context.Background(), p, items); err != nil {
		t.Fatal(err)
	}
	if rec.held[p] != key || rec.recorded != 1 {
		t.Fatalf("after a write: record %v (%d calls), want key %s", rec.held, rec.recorded, key)
	}
	if err := os.WriteFile(p, []byte("not the archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(p, old, old)
	if err := tb.publish(context.Background(), p, items); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "not the archive" {
		t.Fatal("a file the record holds was read and rewritten")
	}
	if fi, _ := os.Stat(p); !fi.ModTime().After(old) || rec.recorded != 2 {
		t.Fatalf("a file the record holds was not touched and recorded again (mtime %v, %d records)", fi.ModTime(), rec.recorded)
	}
	other := []item{{artifact: idx, load: load, tags: tags(t, "reg/api:v2")}}
	if err := tb.publish(context.Background(), p, other); err != nil {
		t.Fatal(err)
	}
	if files := readArchive(t, p); files["manifest.json"] == nil {
		t.Fatal("another tag did not write the archive")
	}
	if k, _ := archiveKey(other); k == key || rec.held[p] != k {
		t.Fatalf("another tag recorded %s, want a key other than %s", rec.held[p], key)
	}
}

// The bytes of a known archive are pinned: a change to how archives are
// laid out must change archiveFormat too, or a record would take an
// archive of the old layout for the new one.
func TestArchiveFormat(t *testing.T) {
	l := static.NewLayer([]byte("layer"), types.OCILayer)
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.MediaType(mutate.ConfigMediaType(img, types.OCIConfigJSON), types.OCIManifestSchema1)
	var buf bytes.Buffer
	if err := writeArchive(&buf, []item{{artifact: img, load: img, tags: tags(t, "reg/api:v1")}}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	const want = "b93f57ad9e9e898b5a2edaf327f76e1baf1134d9445dead82d008b063913033c"
	if got := hex.EncodeToString(sum[:]); got != want || archiveFormat != "mingo tarball 1" {
		t.Errorf("archive of a known image: sha256 %s under %q, pinned %s under %q: if writeArchive changed, change archiveFormat and both pins", got, archiveFormat, want, "mingo tarball 1")
	}
}
