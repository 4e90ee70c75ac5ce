package layers

import (
	"archive/tar"
	"strings"
	"testing"
)

func TestIdentityEntries(t *testing.T) {
	l, err := Build(mustCache(t), IdentityEntries(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := readLayer(t, l)
	for _, tc := range []struct {
		name     string
		typ      byte
		mode     int64
		uid, gid int
		data     string // checked for regular files
	}{
		{"etc/passwd", tar.TypeReg, 0o644, 0, 0, "root:x:0:0:root:/root:/sbin/nologin\n" +
			"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
			"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"},
		{"etc/group", tar.TypeReg, 0o644, 0, 0, "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n"},
		{"etc/nsswitch.conf", tar.TypeReg, 0o644, 0, 0, "passwd: files\ngroup: files\nhosts: files dns\n"},
		{"etc/", tar.TypeDir, 0o755, 0, 0, ""},
		{"root/", tar.TypeDir, 0o700, 0, 0, ""},
		{"home/", tar.TypeDir, 0o755, 0, 0, ""},
		{"home/nonroot/", tar.TypeDir, 0o700, 65532, 65532, ""},
		{"tmp/", tar.TypeDir, 0o1777, 0, 0, ""},
	} {
		f, ok := files[tc.name]
		if !ok {
			t.Errorf("%s missing from the layer", tc.name)
			continue
		}
		h := f.hdr
		if h.Typeflag != tc.typ || h.Mode != tc.mode || h.Uid != tc.uid || h.Gid != tc.gid {
			t.Errorf("%s: type %c mode %o owner %d:%d, want %c %o %d:%d", tc.name, h.Typeflag, h.Mode, h.Uid, h.Gid, tc.typ, tc.mode, tc.uid, tc.gid)
		}
		if tc.typ == tar.TypeReg && f.data != tc.data {
			t.Errorf("%s = %q, want %q", tc.name, f.data, tc.data)
		}
	}
	if len(files) != 8 {
		t.Errorf("layer has %d entries, want 8", len(files))
	}
}

func TestResolveUser(t *testing.T) {
	for _, tc := range []struct {
		spec     string
		uid, gid int
		wantErr  string
	}{
		{spec: "nonroot", uid: 65532, gid: 65532},
		{spec: "root", uid: 0, gid: 0},
		{spec: "nobody", uid: 65534, gid: 65534},
		{spec: "1000", uid: 1000, gid: 1000},
		{spec: "0", uid: 0, gid: 0},
		{spec: "1000:2000", uid: 1000, gid: 2000},
		{spec: "65532:0", uid: 65532, gid: 0},
		{spec: "2147483647", uid: 1<<31 - 1, gid: 1<<31 - 1},
		{spec: "", wantErr: "empty user"},
		{spec: "alice", wantErr: `user "alice" is not in the generated /etc/passwd (root, nobody, nonroot): use one of those or a numeric UID[:GID]`},
		{spec: "alice:100", wantErr: `user "alice" is not in the generated /etc/passwd`},
		{spec: "nonroot:100", wantErr: "NAME:GID is not supported"},
		{spec: "1000:staff", wantErr: `group "staff" is not a number`},
		{spec: "1000:", wantErr: `group "" is not a number`},
		{spec: ":1000", wantErr: "not in the generated /etc/passwd"},
		{spec: "-1", wantErr: "has a sign"},
		{spec: "+5", wantErr: "has a sign"},
		{spec: "5:-1", wantErr: "GID -1 has a sign"},
		{spec: "2147483648", wantErr: "out of range"},
		{spec: "99999999999999999999999", wantErr: "out of range"},
		{spec: "1000:4294967295", wantErr: "GID 4294967295 is out of range"},
		{spec: " 1000", wantErr: "not in the generated /etc/passwd"},
		{spec: "Nonroot", wantErr: "not in the generated /etc/passwd"},
	} {
		uid, gid, err := ResolveUser(tc.spec)
		if tc.wantErr == "" {
			if err != nil || uid != tc.uid || gid != tc.gid {
				t.Errorf("ResolveUser(%q) = %d, %d, %v; want %d, %d", tc.spec, uid, gid, err, tc.uid, tc.gid)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("ResolveUser(%q) = %d, %d, %v; want an error containing %q", tc.spec, uid, gid, err, tc.wantErr)
		}
	}
}
