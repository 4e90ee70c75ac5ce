package provenance

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestPredicate(t *testing.T) {
	o := Options{
		Package: "example.com/app/cmd/api", Module: "example.com/app", Version: "(devel)",
		Repository: "https://github.com/acme/app", Revision: "0123456789abcdef0123456789abcdef01234567",
		GoVersion: "go1.26.8", Recipe: json.RawMessage(`{"ldflags":"-X main.v=1"}`),
		Platforms: map[string]string{"linux/arm64": "sha256:" + string(bytes.Repeat([]byte("b"), 64)), "linux/amd64": "sha256:" + string(bytes.Repeat([]byte("a"), 64))},
		Started:   time.Unix(1700000000, 0), MingoVersion: "v0.1.0",
	}
	a, err := Predicate(o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Predicate(o)
	if !bytes.Equal(a, b) {
		t.Fatal("the same build gave two predicates")
	}
	var p struct {
		BuildDefinition struct {
			BuildType            string
			ExternalParameters   map[string]any
			ResolvedDependencies []descriptor
		}
		RunDetails struct {
			Metadata   struct{ StartedOn string }
			Byproducts []descriptor
		}
	}
	if err := json.Unmarshal(a, &p); err != nil {
		t.Fatal(err)
	}
	if p.BuildDefinition.BuildType != BuildType || p.BuildDefinition.ExternalParameters["package"] != o.Package {
		t.Errorf("buildDefinition = %+v", p.BuildDefinition)
	}
	if deps := p.BuildDefinition.ResolvedDependencies; len(deps) != 2 || deps[0].Digest["gitCommit"] != o.Revision || deps[1].URI != "pkg:golang/stdlib@go1.26.8" {
		t.Errorf("resolvedDependencies = %+v", deps)
	}
	if bp := p.RunDetails.Byproducts; len(bp) != 2 || bp[0].Name != "linux/amd64" || bp[0].Digest["sha256"][0] != 'a' {
		t.Errorf("byproducts = %+v", bp)
	}
	if p.RunDetails.Metadata.StartedOn != "2023-11-14T22:13:20Z" {
		t.Errorf("startedOn = %s", p.RunDetails.Metadata.StartedOn)
	}
}
