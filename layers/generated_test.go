package layers

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readLayer returns the regular files of l by path.
func readLayer(t *testing.T, l *Layer) map[string]string {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		files[h.Name] = string(b)
	}
}

func TestMozillaRoots(t *testing.T) {
	n, err := ParseCABundle(MozillaRoots())
	if err != nil {
		t.Fatal(err)
	}
	if n <= 100 {
		t.Errorf("%d roots, want more than 100", n)
	}
	if _, err := ParseCABundle([]byte("hello\n")); err == nil || !strings.Contains(err.Error(), "no valid PEM certificate") {
		t.Errorf("ParseCABundle(junk) = %v", err)
	}
	broken := "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	if _, err := ParseCABundle([]byte(broken)); err == nil || !strings.Contains(err.Error(), "certificate 1") {
		t.Errorf("ParseCABundle(broken) = %v", err)
	}
}

func TestTZData(t *testing.T) {
	zip, err := ZoneinfoZip(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	entries, err := TZDataEntries(zip)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Build(mustCache(t), entries, Options{})
	if err != nil {
		t.Fatal(err)
	}
	data := readLayer(t, l)["usr/share/zoneinfo/Europe/Paris"]
	loc, err := time.LoadLocationFromTZData("Europe/Paris", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC).In(loc).Format("15:04"); got != "14:00" {
		t.Errorf("12:00 UTC in Paris = %s, want 14:00", got)
	}
}

func TestIdentity(t *testing.T) {
	l, err := Build(mustCache(t), IdentityEntries(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := readLayer(t, l)
	if !strings.Contains(files["etc/passwd"], "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n") ||
		!strings.HasPrefix(files["etc/passwd"], "root:x:0:0:root:/root:/sbin/nologin\n") {
		t.Errorf("/etc/passwd = %q", files["etc/passwd"])
	}
	if files["etc/group"] != "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n" {
		t.Errorf("/etc/group = %q", files["etc/group"])
	}
	if !strings.Contains(files["etc/nsswitch.conf"], "hosts: files dns") {
		t.Errorf("/etc/nsswitch.conf = %q", files["etc/nsswitch.conf"])
	}
}

func TestResolveUser(t *testing.T) {
	for spec, want := range map[string][2]int{"nonroot": {65532, 65532}, "root": {0, 0}, "nobody": {65534, 65534}, "1000": {1000, 1000}, "1000:2000": {1000, 2000}} {
		uid, gid, err := ResolveUser(spec)
		if err != nil || uid != want[0] || gid != want[1] {
			t.Errorf("ResolveUser(%q) = %d, %d, %v", spec, uid, gid, err)
		}
	}
	for spec, want := range map[string]string{"alice": "not in the generated /etc/passwd", "-1": "not in", "1000:staff": "not a number", "": "not in", "99999999999": "not in"} {
		if _, _, err := ResolveUser(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ResolveUser(%q) = %v, want %q", spec, err, want)
		}
	}
}

// The generated layers are the same bytes from any cache (machine).
func TestGeneratedLayersAreStable(t *testing.T) {
	zip, err := ZoneinfoZip(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tz, err := TZDataEntries(zip)
	if err != nil {
		t.Fatal(err)
	}
	for name, entries := range map[string][]Entry{"CA": CACertEntries(MozillaRoots()), "tzdata": tz, "identity": IdentityEntries()} {
		a, err := Build(mustCache(t), entries, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Build(mustCache(t), entries, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ad, _ := digests(t, a)
		bd, _ := digests(t, b)
		if ad != bd {
			t.Errorf("%s layer: %s vs %s", name, ad, bd)
		}
		size, _ := a.Size()
		t.Logf("%s layer: %d bytes compressed, %s", name, size, ad)
	}
}

func TestParseAdd(t *testing.T) {
	local, img, err := ParseAdd("./static:/srv/static")
	if err != nil || local != "./static" || img != "/srv/static" {
		t.Errorf("ParseAdd = %q, %q, %v", local, img, err)
	}
	for _, bad := range []string{"static", ":/srv", "./static:", "./static:srv", "./static:/srv/../x", "./static:/"} {
		if _, _, err := ParseAdd(bad); err == nil || !strings.Contains(err.Error(), "--add") {
			t.Errorf("ParseAdd(%q) = %v", bad, err)
		}
	}
}

func TestAddEntries(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "css"), 0o700)
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>hi</h1>"), 0o600)
	os.WriteFile(filepath.Join(dir, "run.sh"), []byte("#!/bin/sh\n"), 0o700)
	os.WriteFile(filepath.Join(dir, "css", "site.css"), []byte("body{}"), 0o600)
	os.Symlink("index.html", filepath.Join(dir, "home.html"))
	entries, err := AddEntries(dir, "/srv/static")
	if err != nil {
		t.Fatal(err)
	}
	modes := map[string]string{}
	for _, e := range entries {
		if e.UID != 0 || e.GID != 0 {
			t.Errorf("%s owned by %d:%d", e.Path, e.UID, e.GID)
		}
		modes[e.Path] = e.Mode.String()
	}
	want := map[string]string{"/srv/static": "drwxr-xr-x", "/srv/static/css": "drwxr-xr-x", "/srv/static/css/site.css": "-rw-r--r--", "/srv/static/index.html": "-rw-r--r--", "/srv/static/run.sh": "-rwxr-xr-x", "/srv/static/home.html": "Lrwxrwxrwx"}
	for p, m := range want {
		if modes[p] != m {
			t.Errorf("%s: mode %q, want %q", p, modes[p], m)
		}
	}
	if _, err := Build(mustCache(t), entries, Options{}); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"escape": "../outside", "absolute": "/etc/passwd"} {
		d := t.TempDir()
		os.Symlink(target, filepath.Join(d, name))
		if _, err := AddEntries(d, "/x"); err == nil || !strings.Contains(err.Error(), "escape") {
			t.Errorf("symlink to %s: %v", target, err)
		}
	}
	one, err := AddEntries(filepath.Join(dir, "run.sh"), "/usr/local/bin/run")
	if err != nil || len(one) != 1 || one[0].Path != "/usr/local/bin/run" || one[0].Mode != 0o755 {
		t.Errorf("single file: %+v, %v", one, err)
	}
}
