package recipe

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	zero := int64(0)
	want := &Recipe{Package: "example.com/mod/cmd/hello", GoVersion: "go1.26.8", Platforms: []string{"linux/amd64"},
		LDFlags: LDFlagsDigest("-X main.token=SECRET"), Base: "scratch", Created: &zero}
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "SECRET") {
		t.Errorf("the recipe holds the ldflags' value: %s", b)
	}
	got, err := Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if got.Package != want.Package || got.LDFlags != want.LDFlags || got.Created == nil || *got.Created != 0 {
		t.Errorf("Parse(%s) = %+v", b, got)
	}
	if _, err := Parse("{"); err == nil || !strings.Contains(err.Error(), Annotation) {
		t.Errorf("Parse of bad JSON = %v, want an error naming %s", err, Annotation)
	}
	if LDFlagsDigest("") != "" {
		t.Error("LDFlagsDigest of no flags is not empty")
	}
}
