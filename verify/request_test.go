package verify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Request's arguments fail before anything is fetched, each as an
// *InputError naming it (a malformed add as layers.ParseAdd words it).
func TestRequestInputs(t *testing.T) {
	dir := t.TempDir()
	tarPath := filepath.Join(dir, "api.tar")
	if err := os.WriteFile(tarPath, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	badFlags := "-X main.v={{.Nope}}"
	for _, tc := range []struct {
		name  string
		req   Request
		input string
		want  string
	}{
		{"missing image", Request{Image: filepath.Join(dir, "nope.tar")}, InputImage, "file does not exist"},
		{"bad reference", Request{Image: "Bad Ref"}, InputImage, "not a tarball or OCI layout here"},
		{"missing CA bundle", Request{Image: tarPath, CABundle: filepath.Join(dir, "ca.pem")}, InputCABundle, "no such file"},
		{"bad ldflags", Request{Image: tarPath, LDFlags: &badFlags}, InputLDFlags, "template"},
		{"bad add", Request{Image: tarPath, Adds: []string{"nocolon"}}, "", "invalid add"},
	} {
		_, err := tc.req.Rebuild(context.Background())
		var in *InputError
		if tc.input == "" && errors.As(err, &in) || tc.input != "" && (!errors.As(err, &in) || in.Input != tc.input) {
			t.Errorf("%s: %v, want an input error for %q", tc.name, err, tc.input)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
