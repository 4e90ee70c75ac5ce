package layers

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mingo-build/mingo/internal/stamp"
)

// TZDataLayer gives the layer Build gives for the zip's entries; once the
// zip's stamp is settled it records the key under it, and a zip rewritten
// in place (a new stamp) gets the layer of its new zones, never the
// recorded one.
func TestTZDataLayer(t *testing.T) {
	zones := []zipFile{{name: "UTC", data: "TZif-utc"}, {name: "Europe/Paris", data: "TZif-paris", deflate: true}}
	p := writeZip(t, zones)
	c := mustCache(t)
	if _, err := TZDataLayer(c, p, Options{}); err != nil {
		t.Fatal(err)
	}
	if recs, _ := filepath.Glob(filepath.Join(c.Dir(), SourcesDir, "*")); len(recs) != 0 {
		t.Fatalf("a key recorded under a stamp that is not settled: %v", recs)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	if st, ok := stamp.Path(p); !ok || !st.Settled(time.Now()) {
		// The change time stays recent: wait it out.
		time.Sleep(2 * stamp.FineGranularity)
	}
	for range 2 {
		l, err := TZDataLayer(c, p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		entries, err := TZDataEntries(p)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Build(mustCache(t), entries, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if a, b := digest(t, l), digest(t, want); a != b {
			t.Fatalf("TZDataLayer gave %s, Build %s", a, b)
		}
	}
	if _, ok := stamp.Path(p); ok {
		if recs, _ := filepath.Glob(filepath.Join(c.Dir(), SourcesDir, "*")); len(recs) != 1 {
			t.Fatalf("recorded keys: %v, want one", recs)
		}
	}
	// Rewritten in place, the same size and times put back: the change
	// time and so the stamp differ.
	rewritten := writeZip(t, []zipFile{{name: "UTC", data: "TZif-UTC"}, {name: "Europe/Paris", data: "TZif-paris", deflate: true}})
	b, _ := os.ReadFile(rewritten)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * stamp.FineGranularity)
	l, err := TZDataLayer(c, p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := TZDataEntries(p)
	want, _ := Build(mustCache(t), entries, Options{})
	if a, b := digest(t, l), digest(t, want); a != b {
		t.Fatalf("after a rewrite TZDataLayer gave %s, want %s (the new zones)", a, b)
	}
}

func digest(t *testing.T, l *Layer) string {
	t.Helper()
	d, _ := digests(t, l)
	return d
}

// MozillaRootsLayer is the layer Build makes of the Mozilla roots, and at
// rest takes it from the key recorded under the roots' version without
// making the entries: a record pointing at another layer gives that one.
func TestMozillaRootsLayer(t *testing.T) {
	c := mustCache(t)
	l, err := MozillaRootsLayer(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Build(mustCache(t), CACertEntries(MozillaRoots()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := digest(t, l), digest(t, want); a != b {
		t.Fatalf("MozillaRootsLayer gave %s, Build %s", a, b)
	}
	recs, _ := filepath.Glob(filepath.Join(c.Dir(), SourcesDir, "*"))
	if len(recs) != 1 {
		t.Fatalf("recorded keys: %v, want one", recs)
	}
	norm, err := normalize(IdentityEntries())
	if err != nil {
		t.Fatal(err)
	}
	other, key, err := c.build(norm, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(recs[0], []byte(key), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := MozillaRootsLayer(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := digest(t, again), digest(t, other); a != b {
		t.Fatalf("at rest MozillaRootsLayer gave %s, not the recorded layer %s", a, b)
	}
}
