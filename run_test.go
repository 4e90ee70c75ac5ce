package mingo_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/internal/keytest"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sign"
)

// A run that pushes with SBOMs pushes the index it returns, under the tag,
// with each platform's SBOM attached as a referrer.
func TestRunPublish(t *testing.T) {
	host := inMemoryRegistry()
	ctx := context.Background()
	targets := resolveHello(t, host+"/demo/hello:v1")
	var said []string
	run := &mingo.Run{Push: true, SBOM: true, Jobs: 2, ToolVersion: "v0.0.0-test",
		Logf: func(format string, args ...any) { said = append(said, fmt.Sprintf(format, args...)) }}
	images, refs, err := run.Publish(ctx, targets)
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 1 || len(refs) != 1 || refs[0] == nil || images[0].Index == nil {
		t.Fatalf("Publish = %d images, references %v, want one index pushed", len(images), refs)
	}
	want, err := images[0].Index.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if got := refs[0].Identifier(); got != want.String() {
		t.Errorf("reference %s, want the image's digest %s", refs[0], want)
	}
	tag, err := name.NewTag(host + "/demo/hello:v1")
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(tag)
	if err != nil || desc.Digest != want {
		t.Errorf("the tag points at %v (%v), want %s", desc, err, want)
	}
	for _, pi := range images[0].Images {
		if len(pi.SBOM) == 0 {
			t.Errorf("%s: no SBOM", pi.Platform)
			continue
		}
		if n := referrers(t, host+"/demo/hello", pi); n == 0 {
			t.Errorf("%s: no SBOM attached in the registry", pi.Platform)
		}
	}
	if len(said) == 0 {
		t.Error("Logf heard nothing of the push")
	}
}

// SBOMs are made only when something reads them: a push or an SBOM
// directory, not a tarball alone; and not without SBOM, push or not.
func TestRunSBOMOnlyWhenRead(t *testing.T) {
	host := inMemoryRegistry()
	targets := resolveHello(t, host+"/demo/hello:v1")
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		run  mingo.Run
		want bool
	}{
		{"tarball only", mingo.Run{SBOM: true, Outputs: mingo.Outputs{Tarball: filepath.Join(dir, "a.tar")}}, false},
		{"sbom dir", mingo.Run{SBOM: true, Outputs: mingo.Outputs{SBOMDir: dir}}, true},
		{"push without SBOM", mingo.Run{Push: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			images, refs, err := tc.run.Publish(context.Background(), targets)
			if err != nil {
				t.Fatal(err)
			}
			if pushed := refs[0] != nil; pushed != tc.run.Push {
				t.Errorf("pushed = %v, want %v", pushed, tc.run.Push)
			}
			for _, pi := range images[0].Images {
				if got := len(pi.SBOM) > 0; got != tc.want {
					t.Errorf("%s: SBOM made = %v, want %v", pi.Platform, got, tc.want)
				}
				if tc.run.Push {
					if n := referrers(t, host+"/demo/hello", pi); n != 0 {
						t.Errorf("%s: %d referrers attached, want none", pi.Platform, n)
					}
				}
			}
		})
	}
}

// The registry lists the tags' registries as insecure only when asked,
// signs only with a signer (never through a nil *sign.Signer), and
// attests provenance when asked.
func TestRunRegistry(t *testing.T) {
	targets := []mingo.Target{{Tags: []name.Tag{name.MustParseReference("registry.example:5000/a/b:v1").(name.Tag)}}}
	reg := (&mingo.Run{Jobs: 3}).Registry(targets)
	if len(reg.Insecure) != 0 || reg.Signer != nil || reg.Provenance != nil || reg.Jobs != 6 {
		t.Errorf("zero run's registry: insecure %v, signer %v, provenance %v, jobs %d", reg.Insecure, reg.Signer, reg.Provenance, reg.Jobs)
	}
	reg = (&mingo.Run{Insecure: true, Provenance: true, BuilderID: "ci", ToolVersion: "v1"}).Registry(targets)
	if len(reg.Insecure) != 1 || reg.Insecure[0] != "registry.example:5000" {
		t.Errorf("Insecure = %v, want the tag's registry", reg.Insecure)
	}
	if p := reg.Provenance; p == nil || *p != (publish.Provenance{BuilderID: "ci", ToolVersion: "v1"}) {
		t.Errorf("Provenance = %+v", p)
	}
}

// A run with a cache repository builds through it (its own cache
// service, see TestRunCacheService), and the options given to Publish
// apply after the run's.
func TestRunCacheRepo(t *testing.T) {
	host := inMemoryRegistry()
	targets := resolveHello(t, host+"/demo/hello:v1")
	events := 0
	run := mingo.Run{Config: &mingo.Config{CacheRepo: host + "/cache"}}
	run.Progress = func(mingo.Event) { t.Error("the run's Progress was not replaced") }
	if _, _, err := run.Publish(context.Background(), targets, mingo.WithProgress(func(mingo.Event) { events++ })); err != nil {
		t.Fatal(err)
	}
	if events == 0 {
		t.Error("the option given to Publish heard no event")
	}
}

// referrers counts the artifacts attached to pi in repo.
func referrers(t *testing.T, repo string, pi publish.PlatformImage) int {
	t.Helper()
	d, err := pi.Image.Digest()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewDigest(repo + "@" + d.String())
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Referrers(ref)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	return len(m.Manifests)
}

// A run keeps the images when it pushes, loads or writes a local output.
func TestRunKeeps(t *testing.T) {
	for _, tc := range []struct {
		run  mingo.Run
		want bool
	}{
		{mingo.Run{}, false},
		{mingo.Run{SBOM: true}, false},
		{mingo.Run{Push: true}, true},
		{mingo.Run{Outputs: mingo.Outputs{Engine: &publish.Daemon{}}}, true},
		{mingo.Run{Outputs: mingo.Outputs{SBOMDir: "sboms"}}, true},
		{mingo.Run{Outputs: mingo.Outputs{Layout: "out"}}, true},
	} {
		if got := tc.run.Keeps(); got != tc.want {
			t.Errorf("%+v: Keeps = %v, want %v", tc.run, got, tc.want)
		}
	}
}

// Check opens the signer Sign asks for, and refuses before any build a
// signing request it cannot honour; it opens the cache's keys too.
func TestRunCheckSigning(t *testing.T) {
	priv, _ := keytest.Files(t)
	t.Setenv(sign.PasswordEnv, keytest.Password)
	key := sign.Options{Key: priv, NoTransparencyLog: true}
	for _, tc := range []struct {
		name string
		run  mingo.Run
		want error
	}{
		{"provenance without signing", mingo.Run{Push: true, Provenance: true}, sign.ErrNotSigning},
		{"key without signing", mingo.Run{Push: true, SignOptions: key}, sign.ErrNotSigning},
		{"signing without a push", mingo.Run{Sign: true, SignOptions: key}, sign.ErrNotPushed},
		{"a cache key and keyless both", mingo.Run{Config: &mingo.Config{CacheRepo: "r/c", CacheSignKey: key.Key, CacheSignKeyless: true}}, mingo.ErrSignConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run.Check(t.Context()); !errors.Is(err, tc.want) {
				t.Errorf("Check = %v, want %v", err, tc.want)
			}
		})
	}
	run := mingo.Run{Push: true, Sign: true, SignOptions: key, Config: &mingo.Config{CacheRepo: "r/c", CacheSignKey: key.Key}}
	if err := run.Check(t.Context()); err != nil || run.Signer == nil || run.CacheTrust.Signer == nil {
		t.Errorf("Check with a key: signer %v, cache signer %v, %v", run.Signer, run.CacheTrust.Signer, err)
	}
	if run := (mingo.Run{}); run.Check(t.Context()) != nil || run.Signer != nil {
		t.Error("a run that does not sign has a signer, or fails")
	}
}
