package publish

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// A registry's error detail (a full disk at the registry) is text in the
// one-line error, never a Go map, and a full disk is StorageFull.
func TestRegistryErrorDetailAsText(t *testing.T) {
	body := `{"errors":[{"code":"UNKNOWN","message":"unknown error","detail":{"DriverName":"filesystem","Enclosed":{"Op":"mkdir","Path":"/var/lib/registry/x","Err":28}}}]}`
	u, _ := url.Parse("https://registry.example/v2/team/app/blobs/uploads/abc?_state=secret")
	resp := &http.Response{StatusCode: 500, Body: io.NopCloser(strings.NewReader(body)), Request: &http.Request{Method: http.MethodPatch, URL: u}}
	err := transport.CheckError(resp, http.StatusAccepted)
	repo, _ := name.NewRepository("registry.example/team/app")
	rerr := registryError(repo, err)
	if e, ok := rerr.(*RegistryError); !ok || e.Problem != StorageFull {
		t.Errorf("problem of %v: not StorageFull", rerr)
	}
	got := rerr.Error()
	want := `registry registry.example failed for registry.example/team/app: PATCH /v2/team/app/blobs/uploads/abc: UNKNOWN: unknown error (DriverName=filesystem Enclosed.Err="no space left on device" Enclosed.Op=mkdir Enclosed.Path=/var/lib/registry/x)`
	if got != want {
		t.Errorf("error:\n%s\nwant:\n%s", got, want)
	}
}
