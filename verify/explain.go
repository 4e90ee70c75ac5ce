package verify

import (
	"archive/tar"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/publish"
)

// explain says how the registry's image at want differs from the rebuilt
// one: the config, each layer that differs (by what mingo put in it), and
// for the binary layer the build info settings that differ. It never
// fails: what it cannot find out, it says.
func explain(pub *published, want v1.Hash, got publish.PlatformImage) []string {
	reg, err := pub.image(want)
	if err != nil {
		return []string{fmt.Sprintf("cannot read the published image to compare: %v", err)}
	}
	wm, err1 := reg.Manifest()
	gm, err2 := got.Image.Manifest()
	wl, err3 := layerDigests(reg, pub.byConfig)
	gl, err4 := layerDigests(got.Image, pub.byConfig)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return []string{fmt.Sprintf("cannot read the manifests to compare: %v", err)}
	}
	var out []string
	if wm.Config.Digest != gm.Config.Digest {
		out = append(out, configDiff(reg, got.Image)...)
	}
	if len(wl) != len(gl) {
		out = append(out, fmt.Sprintf("layers: the registry's image has %d, the rebuilt one %d", len(wl), len(gl)))
	} else {
		for i := range gl {
			if wl[i] == gl[i] {
				continue
			}
			layerName := "layer"
			if i < len(got.Layers) {
				layerName = got.Layers[i].Name
			}
			out = append(out, fmt.Sprintf("layer %d (%s): registry %s, rebuilt %s", i+1, layerName, wl[i], gl[i]))
			if layerName == "binary" {
				out = append(out, binaryDiff(reg, got.Image, i)...)
			}
		}
	}
	if !pub.byConfig { // an engine keeps no manifest, so no annotations
		out = append(out, annotationDiff(wm.Annotations, gm.Annotations)...)
	}
	if len(out) == 0 {
		out = append(out, "the manifests differ in neither config, layers nor annotations (media types?)")
	}
	return out
}

// layerDigests are the digests of img's layers as compressed, or
// uncompressed (the diff IDs) when byConfig: an engine recompresses.
func layerDigests(img v1.Image, byConfig bool) ([]v1.Hash, error) {
	if byConfig {
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		return cf.RootFS.DiffIDs, nil
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Hash, len(m.Layers))
	for i, l := range m.Layers {
		out[i] = l.Digest
	}
	return out, nil
}

// configDiff names the config fields that differ, other than the layers'
// diff IDs.
func configDiff(want, got v1.Image) []string {
	wc, err1 := want.ConfigFile()
	gc, err2 := got.ConfigFile()
	if err1 != nil || err2 != nil {
		return []string{"config differs (cannot read it)"}
	}
	wf, gf := fields(wc), fields(gc)
	for k, v := range fields(wc.Config) {
		wf["config."+k] = v
	}
	for k, v := range fields(gc.Config) {
		gf["config."+k] = v
	}
	// The diff IDs follow the layers, which explain lists one by one.
	for _, k := range []string{"config", "rootfs"} {
		delete(wf, k)
		delete(gf, k)
	}
	var out []string
	for _, k := range unionKeys(wf, gf) {
		if !reflect.DeepEqual(wf[k], gf[k]) {
			out = append(out, fmt.Sprintf("config %s: registry %s, rebuilt %s", k, short(wf[k]), short(gf[k])))
		}
	}
	return out
}

// fields is v's JSON object, field by field.
func fields(v any) map[string]any {
	raw, _ := json.Marshal(v)
	m := map[string]any{}
	json.Unmarshal(raw, &m)
	return m
}

func short(v any) string {
	if v == nil {
		return "(none)"
	}
	raw, _ := json.Marshal(v)
	if len(raw) > 120 {
		return string(raw[:117]) + "..."
	}
	return string(raw)
}

// annotationDiff names the annotations that differ.
func annotationDiff(want, got map[string]string) []string {
	var out []string
	for _, k := range unionKeys(want, got) {
		w, wok := want[k]
		g, gok := got[k]
		if w == g && wok == gok {
			continue
		}
		out = append(out, fmt.Sprintf("annotation %s: registry %s, rebuilt %s", k, quoteOr(w, wok), quoteOr(g, gok)))
	}
	return out
}

func quoteOr(s string, ok bool) string {
	if !ok {
		return "(none)"
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return fmt.Sprintf("%q", s)
}

func indexAnnotations(idx v1.ImageIndex) map[string]string {
	m, err := idx.IndexManifest()
	if err != nil {
		return nil
	}
	return m.Annotations
}

// binaryDiff compares the build info of the binaries in layer i of two
// images: Go version, main module, dependencies and build settings.
func binaryDiff(want, got v1.Image, i int) []string {
	wi, err1 := layerBuildInfo(want, i)
	gi, err2 := layerBuildInfo(got, i)
	if err := cmpErr(err1, err2); err != nil {
		return []string{fmt.Sprintf("binary: cannot read its build info: %v", err)}
	}
	var out []string
	if wi.GoVersion != gi.GoVersion {
		out = append(out, fmt.Sprintf("binary Go version: registry %s, rebuilt %s", wi.GoVersion, gi.GoVersion))
	}
	if mod(&wi.Main) != mod(&gi.Main) {
		out = append(out, fmt.Sprintf("binary main module: registry %s, rebuilt %s", mod(&wi.Main), mod(&gi.Main)))
	}
	out = append(out, listDiff("binary dependency", deps(wi), deps(gi))...)
	out = append(out, listDiff("binary build setting", settings(wi), settings(gi))...)
	if len(out) == 0 {
		out = append(out, "binary build info is the same (Go, modules, settings): the code or linked-in data differ, such as a changed source file")
	}
	return out
}

func cmpErr(a, b error) error {
	if a != nil {
		return fmt.Errorf("registry's: %w", a)
	}
	if b != nil {
		return fmt.Errorf("rebuilt: %w", b)
	}
	return nil
}

func mod(m *debug.Module) string {
	s := m.Path + "@" + m.Version
	if m.Sum != "" {
		s += " " + m.Sum
	}
	return s
}

func deps(bi *debug.BuildInfo) []string {
	var out []string
	for _, d := range bi.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		out = append(out, mod(d))
	}
	return out
}

func settings(bi *debug.BuildInfo) []string {
	var out []string
	for _, s := range bi.Settings {
		out = append(out, s.Key+"="+s.Value)
	}
	return out
}

// listDiff says which entries only one side has.
func listDiff(what string, want, got []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			out = append(out, fmt.Sprintf("%s only in the registry's: %s", what, w))
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			out = append(out, fmt.Sprintf("%s only in the rebuilt: %s", what, g))
		}
	}
	return out
}

// layerBuildInfo reads the build info of the executable in layer i of img
// (the binary layer holds exactly one regular file).
func layerBuildInfo(img v1.Image, i int) (*debug.BuildInfo, error) {
	ls, err := img.Layers()
	if err != nil {
		return nil, err
	}
	if i >= len(ls) {
		return nil, fmt.Errorf("no layer %d", i+1)
	}
	rc, err := ls[i].Uncompressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("no executable in the layer: %w", err)
		}
		if h.Typeflag == tar.TypeReg && strings.HasPrefix(h.Name, strings.TrimPrefix(build.BinDir, "/")) {
			return readBuildInfo(tr)
		}
	}
}

func readBuildInfo(r io.Reader) (*debug.BuildInfo, error) {
	f, err := os.CreateTemp("", "mingo-verify-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := io.Copy(f, r); err != nil {
		return nil, err
	}
	return buildinfo.Read(f)
}

// unionKeys returns the keys of a and b, sorted, each once.
func unionKeys[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
