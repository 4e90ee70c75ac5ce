package mingo_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/platform"
	"github.com/mingo-build/mingo/publish"
)

// A single-platform image is summarized by its manifest; the reference,
// given, is the summary's; the JSON names are those mingo build --json
// prints (and scripts read).
func TestSummarize(t *testing.T) {
	ri, err := random.Image(100, 1)
	if err != nil {
		t.Fatal(err)
	}
	tag := name.MustParseReference("reg.example/app:v1").(name.Tag)
	p, err := platform.Parse("linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	img := &mingo.Image{ImportPath: "example.com/app", Tags: []name.Tag{tag}, Images: []publish.PlatformImage{{Platform: p, Image: ri, Size: 1234, BinarySize: 5678}}}
	d, err := ri.Digest()
	if err != nil {
		t.Fatal(err)
	}
	ref := tag.Context().Digest(d.String())
	s, err := mingo.Summarize(img, ref)
	if err != nil {
		t.Fatal(err)
	}
	if s.Digest != d.String() || s.Reference != ref.String() || s.MediaType != "application/vnd.oci.image.manifest.v1+json" || s.Size <= 0 {
		t.Errorf("summary = %+v", s)
	}
	if len(s.Platforms) != 1 || s.Platforms[0] != (mingo.PlatformSummary{Platform: "linux/amd64", Digest: d.String(), Size: 1234, BinarySize: 5678}) {
		t.Errorf("platforms = %+v", s.Platforms)
	}
	s.OCILayout, s.Debug = "out", &mingo.Summary{Digest: "sha256:debug"}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"package":`, `"reference":`, `"digest":`, `"mediaType":`, `"tags":["reg.example/app:v1"]`, `"ociLayout":"out"`, `"size":`, `"platforms":[{"platform":"linux/amd64"`, `"binarySize":5678`, `"debug":{`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("JSON lacks %s: %s", key, raw)
		}
	}
	if strings.Contains(string(raw), `"tarball"`) {
		t.Errorf("JSON has an empty tarball: %s", raw)
	}

	if s, err := mingo.Summarize(img, nil); err != nil || s.Reference != "" {
		t.Errorf("without a reference: %+v, %v", s, err)
	}

	// A debug variant is nested in the image it follows.
	debug := *img
	debug.Variant = "debug"
	all, err := mingo.SummarizeAll([]*mingo.Image{img, &debug, img}, []name.Reference{ref, nil, nil})
	if err != nil || len(all) != 2 || all[0].Debug == nil || all[0].Reference != ref.String() || all[0].Debug.Reference != "" || all[1].Debug != nil {
		t.Errorf("SummarizeAll = %+v, %v", all, err)
	}
}
