package layers

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The zones in a built layer are ones Go can load: Paris is UTC+2 in July.
func TestTZDataParis(t *testing.T) {
	zipPath, err := ZoneinfoZip(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	entries, err := TZDataEntries(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 300 {
		t.Errorf("%d zones, want hundreds", len(entries))
	}
	l, err := Build(mustCache(t), entries, Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := readLayer(t, l)
	for _, tc := range []struct {
		zone string
		utc  time.Time
		want string
	}{
		{"Europe/Paris", time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC), "14:00"},
		{"Europe/Paris", time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC), "13:00"},
		{"Asia/Tokyo", time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC), "21:00"},
	} {
		f, ok := files["usr/share/zoneinfo/"+tc.zone]
		if !ok {
			t.Fatalf("no %s in the layer", tc.zone)
		}
		if f.hdr.Mode != 0o644 || f.hdr.Uid != 0 || f.hdr.Gid != 0 {
			t.Errorf("%s: mode %o owner %d:%d, want 0644 0:0", tc.zone, f.hdr.Mode, f.hdr.Uid, f.hdr.Gid)
		}
		loc, err := time.LoadLocationFromTZData(tc.zone, []byte(f.data))
		if err != nil {
			t.Fatalf("%s: %v", tc.zone, err)
		}
		if got := tc.utc.In(loc).Format("15:04"); got != tc.want {
			t.Errorf("%s in %s = %s, want %s", tc.utc.Format(time.RFC3339), tc.zone, got, tc.want)
		}
	}
	if d, ok := files["usr/share/zoneinfo/Europe/"]; !ok || d.hdr.Mode != 0o755 {
		t.Errorf("usr/share/zoneinfo/Europe/ missing or not 0755")
	}
}

type zipFile struct {
	name    string
	data    string
	deflate bool
}

func writeZip(t *testing.T, files []zipFile) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Store}
		if f.deflate {
			h.Method = zip.Deflate
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "zoneinfo.zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTZDataEntries(t *testing.T) {
	p := writeZip(t, []zipFile{
		{name: "UTC", data: "TZif-utc"},
		{name: "Europe/", data: ""},
		{name: "Europe/Paris", data: strings.Repeat("TZif-paris ", 50), deflate: true},
	})
	entries, err := TZDataEntries(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/usr/share/zoneinfo/UTC":          "TZif-utc",
		"/usr/share/zoneinfo/Europe/Paris": strings.Repeat("TZif-paris ", 50),
	}
	if len(entries) != len(want) {
		t.Fatalf("%d entries, want %d", len(entries), len(want))
	}
	for _, e := range entries {
		data, ok := want[e.Path]
		if !ok {
			t.Errorf("unexpected entry %s", e.Path)
			continue
		}
		if e.Mode != 0o644 || e.UID != 0 || e.GID != 0 || e.Size != int64(len(data)) {
			t.Errorf("%s: %+v", e.Path, e)
		}
		for range 2 { // re-openable
			rc, err := e.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(b) != data {
				t.Errorf("%s: read %q, %v", e.Path, b, err)
			}
		}
	}
}

func TestTZDataEntriesRefusesUnsafeNames(t *testing.T) {
	for _, name := range []string{
		"/etc/passwd",
		"../etc/passwd",
		"Europe/../../etc/passwd",
		"Europe/./Paris",
		"Europe//Paris",
		"..",
		`..\etc\passwd`,
	} {
		t.Run(name, func(t *testing.T) {
			p := writeZip(t, []zipFile{{name: "UTC", data: "ok"}, {name: name, data: "evil"}})
			if _, err := TZDataEntries(p); err == nil || !strings.Contains(err.Error(), "refusing entry") {
				t.Errorf("TZDataEntries with %q: %v, want a refusal", name, err)
			}
		})
	}
	if _, err := TZDataEntries(filepath.Join(t.TempDir(), "missing.zip")); err == nil {
		t.Error("TZDataEntries of a missing zip: no error")
	}
}

func TestZoneinfoZip(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("fake go commands are shell scripts")
	}
	got, err := ZoneinfoZip(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got, filepath.Join("lib", "time", "zoneinfo.zip")) {
		t.Errorf("ZoneinfoZip = %s, want GOROOT/lib/time/zoneinfo.zip", got)
	}
	if zr, err := zip.OpenReader(got); err != nil {
		t.Error(err)
	} else {
		zr.Close()
	}

	emptyRoot := t.TempDir()
	for _, tc := range []struct {
		name   string
		script string // the fake go command; "" means none on PATH
		want   string
	}{
		{"no go on PATH", "", "go env GOROOT"},
		{"go fails", "echo 'go: broken install' >&2; exit 2", "broken install"},
		{"empty GOROOT", "echo", "printed nothing"},
		{"no zoneinfo.zip", "echo " + emptyRoot, "has no time-zone database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := t.TempDir()
			if tc.script != "" {
				if err := os.WriteFile(filepath.Join(bin, "go"), []byte("#!/bin/sh\n"+tc.script+"\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("PATH", bin)
			if p, err := ZoneinfoZip(context.Background()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ZoneinfoZip = %q, %v; want an error containing %q", p, err, tc.want)
			}
		})
	}
}

func TestTZDataRelease(t *testing.T) {
	dir := t.TempDir()
	zip := dir + "/zoneinfo.zip"
	if got := TZDataRelease(zip); got != "" {
		t.Errorf("no update.bash: %q", got)
	}
	os.WriteFile(dir+"/update.bash", []byte("#!/bin/bash\nCODE=2025b\nDATA=2025b\n"), 0o644)
	if got := TZDataRelease(zip); got != "2025b" {
		t.Errorf("TZDataRelease = %q, want 2025b", got)
	}
	real, err := ZoneinfoZip(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := TZDataRelease(real); !regexp.MustCompile(`^\d{4}[a-z]$`).MatchString(got) {
		t.Errorf("TZDataRelease of the installed Go = %q, want a release such as 2025b", got)
	}
}
