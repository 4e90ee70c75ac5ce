package layers

import (
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseAdd(t *testing.T) {
	for _, tc := range []struct {
		spec, local, imagePath string
		wantErr                string
	}{
		{spec: "./static:/srv/static", local: "./static", imagePath: "/srv/static"},
		{spec: "config.yaml:/etc/app/config.yaml", local: "config.yaml", imagePath: "/etc/app/config.yaml"},
		{spec: "/abs/dir:/srv", local: "/abs/dir", imagePath: "/srv"},
		{spec: "a:b:/srv/x", local: "a:b", imagePath: "/srv/x"}, // split on the last colon
		{spec: "static", wantErr: "want LOCAL:IMAGEPATH"},
		{spec: "", wantErr: "want LOCAL:IMAGEPATH"},
		{spec: ":/srv", wantErr: "want LOCAL:IMAGEPATH"},
		{spec: "./static:", wantErr: "want LOCAL:IMAGEPATH"},
		{spec: "./static:srv", wantErr: "must be a clean absolute path"},
		{spec: "./static:/srv/../x", wantErr: "must be a clean absolute path"},
		{spec: "./static:/srv/", wantErr: "must be a clean absolute path"},
		{spec: "./static:/", wantErr: "other than /"},
		{spec: "/srv:./static", wantErr: "must be a clean absolute path"},
	} {
		local, imagePath, err := ParseAdd(tc.spec)
		if tc.wantErr == "" {
			if err != nil || local != tc.local || imagePath != tc.imagePath {
				t.Errorf("ParseAdd(%q) = %q, %q, %v; want %q, %q", tc.spec, local, imagePath, err, tc.local, tc.imagePath)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "add ") {
			t.Errorf("ParseAdd(%q) = %v; want an add error containing %q", tc.spec, err, tc.wantErr)
		}
	}
}

// mkTree makes files under dir: a name ending in / is a directory, "->"
// starts a symlink target, anything else is file content; mode applies to
// files and directories.
func mkTree(t *testing.T, dir string, tree []struct {
	name, content string
	mode          fs.FileMode
}) {
	t.Helper()
	for _, f := range tree {
		p := filepath.Join(dir, f.name)
		var err error
		switch {
		case strings.HasSuffix(f.name, "/"):
			err = os.MkdirAll(p, f.mode)
		case strings.HasPrefix(f.content, "->"):
			err = os.Symlink(strings.TrimPrefix(f.content, "->"), p)
		default:
			if err = os.WriteFile(p, []byte(f.content), f.mode); err == nil {
				err = os.Chmod(p, f.mode) // past the umask, setuid included
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestAddEntries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "static")
	mkTree(t, dir, []struct {
		name, content string
		mode          fs.FileMode
	}{
		{"./", "", 0o700},
		{"css/", "", 0o700},
		{"css/deep/", "", 0o750},
		{"index.html", "<h1>hi</h1>", 0o600},
		{"run.sh", "#!/bin/sh\n", 0o700},
		{"group-exec", "x", 0o610},
		{"setuid", "x", 0o4755},
		{"css/site.css", "body{}", 0o640},
		{"css/deep/a.css", "a{}", 0o666},
		{"home.html", "->index.html", 0},
		{"css/deep/up.html", "->../../index.html", 0},
		{"css/self", "->.", 0},
		{"dangling", "->missing/file", 0},
	})
	entries, err := AddEntries(dir, "/srv/static")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Entry{}
	for _, e := range entries {
		got[e.Path] = e
	}
	for _, tc := range []struct {
		path     string
		mode     fs.FileMode
		linkname string
		content  string
	}{
		{"/srv/static", fs.ModeDir | 0o755, "", ""},
		{"/srv/static/css", fs.ModeDir | 0o755, "", ""},
		{"/srv/static/css/deep", fs.ModeDir | 0o755, "", ""},
		{"/srv/static/index.html", 0o644, "", "<h1>hi</h1>"},
		{"/srv/static/run.sh", 0o755, "", "#!/bin/sh\n"},
		{"/srv/static/group-exec", 0o755, "", "x"},
		{"/srv/static/setuid", 0o755, "", "x"},
		{"/srv/static/css/site.css", 0o644, "", "body{}"},
		{"/srv/static/css/deep/a.css", 0o644, "", "a{}"},
		{"/srv/static/home.html", fs.ModeSymlink | 0o777, "index.html", ""},
		{"/srv/static/css/deep/up.html", fs.ModeSymlink | 0o777, "../../index.html", ""},
		{"/srv/static/css/self", fs.ModeSymlink | 0o777, ".", ""},
		{"/srv/static/dangling", fs.ModeSymlink | 0o777, "missing/file", ""},
	} {
		e, ok := got[tc.path]
		if !ok {
			t.Errorf("%s missing", tc.path)
			continue
		}
		delete(got, tc.path)
		if e.Mode != tc.mode || e.UID != 0 || e.GID != 0 || e.Linkname != tc.linkname {
			t.Errorf("%s: mode %v owner %d:%d link %q; want %v 0:0 %q", tc.path, e.Mode, e.UID, e.GID, e.Linkname, tc.mode, tc.linkname)
		}
		if !e.Mode.IsRegular() {
			continue
		}
		if e.Size != int64(len(tc.content)) {
			t.Errorf("%s: size %d, want %d", tc.path, e.Size, len(tc.content))
		}
		for range 2 { // re-openable
			rc, err := e.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			if string(b) != tc.content {
				t.Errorf("%s: content %q, want %q", tc.path, b, tc.content)
			}
		}
	}
	for p := range got {
		t.Errorf("unexpected entry %s", p)
	}

	l, err := Build(mustCache(t), entries, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if h := readLayer(t, l)["srv/static/run.sh"].hdr; h == nil || h.Mode != 0o755 || h.Uid != 0 {
		t.Errorf("run.sh in the layer: %+v", h)
	}
}

func TestAddEntriesSingleFile(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, []struct {
		name, content string
		mode          fs.FileMode
	}{
		{"tool", "#!/bin/sh\n", 0o750},
		{"conf.yaml", "a: 1\n", 0o600},
		{"link-to-conf", "->conf.yaml", 0},
		{"sub/", "", 0o700},
		{"sub/x", "x", 0o600},
		{"link-to-sub", "->sub", 0},
	})
	for _, tc := range []struct {
		local, imagePath string
		want             map[string]fs.FileMode
	}{
		{"tool", "/usr/local/bin/tool", map[string]fs.FileMode{"/usr/local/bin/tool": 0o755}},
		{"conf.yaml", "/etc/app.yaml", map[string]fs.FileMode{"/etc/app.yaml": 0o644}},
		// LOCAL itself is followed when it is a symlink.
		{"link-to-conf", "/etc/app.yaml", map[string]fs.FileMode{"/etc/app.yaml": 0o644}},
		{"link-to-sub", "/data", map[string]fs.FileMode{"/data": fs.ModeDir | 0o755, "/data/x": 0o644}},
	} {
		t.Run(tc.local, func(t *testing.T) {
			es, err := AddEntries(filepath.Join(dir, tc.local), tc.imagePath)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != len(tc.want) {
				t.Fatalf("%d entries, want %d: %+v", len(es), len(tc.want), es)
			}
			for _, e := range es {
				if m, ok := tc.want[e.Path]; !ok || e.Mode != m || e.UID != 0 || e.GID != 0 {
					t.Errorf("%s: mode %v owner %d:%d, want %v 0:0", e.Path, e.Mode, e.UID, e.GID, m)
				}
			}
		})
	}
}

func TestAddEntriesRefuses(t *testing.T) {
	type file = struct {
		name, content string
		mode          fs.FileMode
	}
	for _, tc := range []struct {
		name    string
		tree    []file
		socket  string // a unix socket to create, relative to the root
		local   string // relative to the root; "" is the root itself
		want    []string
		wantNot string
	}{
		{
			name: "escaping relative symlink",
			tree: []file{{"ok", "x", 0o644}, {"esc", "->../outside", 0}},
			want: []string{"symlink", "esc -> ../outside", "points outside", "symlinks that escape"},
		},
		{
			name: "escaping from a subdirectory",
			tree: []file{{"a/", "", 0o755}, {"a/esc", "->../../outside", 0}},
			want: []string{filepath.Join("a", "esc") + " -> ../../outside", "symlinks that escape"},
		},
		{
			name: "absolute symlink",
			tree: []file{{"abs", "->/etc/passwd", 0}},
			want: []string{"abs -> /etc/passwd is absolute", "symlinks that escape"},
		},
		{
			name: "absolute symlink into the tree",
			tree: []file{{"f", "x", 0o644}, {"abs", "->/srv/f", 0}},
			want: []string{"is absolute"},
		},
		{
			// Lexically inside (a/b/up/../x is a/b/x), but up is a symlink
			// to the root, so a reader goes to the root's parent.
			name: "escape through another symlink",
			tree: []file{{"a/", "", 0o755}, {"a/b/", "", 0o755}, {"a/b/up", "->../..", 0}, {"../x", "outside", 0o644}, {"sneaky", "->a/b/up/../x", 0}},
			want: []string{"sneaky -> a/b/up/../x resolves, through another symlink, outside"},
		},
		{
			name:   "socket",
			socket: "sock",
			want:   []string{"sock is a special file", "only regular files, directories and symlinks"},
		},
		{
			name:  "missing",
			local: "nope",
			want:  []string{"add ", "nope", "no such file"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			root := filepath.Join(base, "root")
			if err := os.Mkdir(root, 0o755); err != nil {
				t.Fatal(err)
			}
			mkTree(t, root, tc.tree)
			if tc.socket != "" {
				// Short path: unix socket names are limited to ~100 bytes.
				sdir, err := os.MkdirTemp("", "s")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.RemoveAll(sdir) })
				root = sdir
				ln, err := net.Listen("unix", filepath.Join(sdir, tc.socket))
				if err != nil {
					t.Skipf("no unix sockets: %v", err)
				}
				defer ln.Close()
			}
			es, err := AddEntries(filepath.Join(root, tc.local), "/srv")
			if err == nil {
				t.Fatalf("AddEntries = %d entries, no error", len(es))
			}
			for _, w := range append(tc.want, "add ") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
