package resolve

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/publish"
)

// A debug variant stands for the image it follows; --load points at
// local tags named by the digest.
func TestReferences(t *testing.T) {
	api := testImage(t, "mingo.local/api:latest", "", "api")
	debug := testImage(t, "mingo.local/api:latest-debug", "debug", "api-debug")
	tool := testImage(t, "mingo.local/tool:latest", "", "tool")
	images := []*mingo.Image{api, debug, tool}
	pushed := []name.Reference{digestRef(t, 'a'), digestRef(t, 'b'), nil}

	got := References(images, pushed, false)
	want := []string{pushed[1].String(), ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("References = %q, want %q", got, want)
	}
	got = References(images, pushed, true)
	want = []string{LocalTag(debug).String(), LocalTag(tool).String()}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("References, local = %q, want %q", got, want)
	}
	d, _ := tool.Artifact().Digest()
	if want := "mingo.local/tool:" + d.Hex[:12]; LocalTag(tool).String() != want {
		t.Errorf("LocalTag = %s, want %s", LocalTag(tool), want)
	}
}

func testImage(t *testing.T, ref, variant, label string) *mingo.Image {
	t.Helper()
	img, err := mutate.Config(empty.Image, v1Config(label))
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	return &mingo.Image{Variant: variant, Names: []name.Tag{tag}, Images: []publish.PlatformImage{{Image: img}}}
}

func digestRef(t *testing.T, c byte) name.Reference {
	t.Helper()
	d, err := name.NewDigest("r.example/api@sha256:" + strings.Repeat(string(c), 64))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func v1Config(label string) v1.Config { return v1.Config{Labels: map[string]string{"test": label}} }
