package config

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KoName is ko's config file, which Load reads into the same File as
// mingo.yaml when a path's base name is KoName.
const KoName = ".ko.yaml"

// IsKo reports whether path names a ko config file (.ko.yaml or
// .ko.yml), which Load reads as ko does.
func IsKo(path string) bool {
	b := filepath.Base(path)
	return b == KoName || b == ".ko.yml"
}

// FindKo returns ko's config file as ko finds it: where KO_CONFIG_PATH
// points (a file, or a directory holding .ko.yaml), else .ko.yaml in the
// current directory; "" when there is none.
func FindKo() (string, error) {
	p := os.Getenv("KO_CONFIG_PATH")
	if p == "" {
		if _, err := os.Stat(KoName); err != nil {
			return "", nil
		}
		return KoName, nil
	}
	fi, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("KO_CONFIG_PATH=%s: %w", p, err)
	}
	if fi.IsDir() {
		p = filepath.Join(p, KoName)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("KO_CONFIG_PATH: %w", err)
		}
	}
	return p, nil
}

// strs is a list that ko also accepts as one string: flags and
// capabilities split at spaces, ldflags kept whole.
type strs []string

// koFile is the content of .ko.yaml, by ko's key names.
type koFile struct {
	DefaultBaseImage   Located[string]            `yaml:"defaultBaseImage"`
	BaseImageOverrides Located[map[string]string] `yaml:"baseImageOverrides"`
	DefaultPlatforms   Located[strs]              `yaml:"defaultPlatforms"`
	DefaultEnv         Located[strs]              `yaml:"defaultEnv"`
	DefaultFlags       Located[strs]              `yaml:"defaultFlags"`
	DefaultLdflags     Located[strs]              `yaml:"defaultLdflags"`
	Builds             []koBuild                  `yaml:"builds"`
}

// koBuild is one entry of builds.
type koBuild struct {
	Line         int             `yaml:"-"`
	ID           Located[string] `yaml:"id"`
	Dir          Located[string] `yaml:"dir"`
	Main         Located[string] `yaml:"main"`
	Env          Located[strs]   `yaml:"env"`
	Flags        Located[strs]   `yaml:"flags"`
	Ldflags      Located[strs]   `yaml:"ldflags"`
	Capabilities Located[strs]   `yaml:"linux_capabilities"`
}

// UnmarshalYAML decodes a list, or a single string as ko does.
func (s *strs) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = strs{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

// fields splits each element at spaces, as ko splits a flags string.
func (s strs) fields() []string {
	var out []string
	for _, e := range s {
		out = append(out, strings.Fields(e)...)
	}
	return out
}

// UnmarshalYAML decodes the top level of .ko.yaml, refusing unknown keys.
func (f *koFile) UnmarshalYAML(n *yaml.Node) error {
	type plain koFile
	return decodeStrict(n, (*plain)(f), reflect.TypeFor[koFile]())
}

// UnmarshalYAML decodes one build, refusing unknown keys.
func (b *koBuild) UnmarshalYAML(n *yaml.Node) error {
	type plain koBuild
	b.Line = n.Line
	return decodeStrict(n, (*plain)(b), reflect.TypeFor[koBuild]())
}

// loadKo turns the content b of the .ko.yaml at path into a File: one
// image per build (dir and main make its package), or, with no builds,
// Defaults alone. The default* keys apply to every image.
func loadKo(path string, b []byte) (*File, error) {
	var k koFile
	if err := yaml.Unmarshal(b, &k); err != nil {
		return nil, yamlErrors(path, err)
	}
	f := &File{Path: path, Ko: true}
	def, err := k.defaults(path)
	if err != nil {
		return nil, err
	}
	f.Defaults = def
	var errs []*Error
	for i, kb := range k.Builds {
		im, err := k.image(path, i, kb, def)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f.Images = append(f.Images, im)
	}
	if err := join(errs); err != nil {
		return nil, err
	}
	return f, nil
}

// defaults is the image that ko's default* keys describe, for a package
// that no build names.
func (k *koFile) defaults(path string) (Image, error) {
	im := Image{Base: k.DefaultBaseImage}
	if k.DefaultPlatforms.Set {
		im.Platforms = Located[[]string]{V: k.DefaultPlatforms.V.fields(), Line: k.DefaultPlatforms.Line, Set: true}
	}
	if err := applyEnv(&im, k.DefaultEnv); err != nil {
		return im, &Error{Path: path, Line: k.DefaultEnv.Line, Err: fmt.Errorf("defaultEnv: %w", err)}
	}
	if err := applyFlags(&im, k.DefaultFlags); err != nil {
		return im, &Error{Path: path, Line: k.DefaultFlags.Line, Err: fmt.Errorf("defaultFlags: %w", err)}
	}
	if k.DefaultLdflags.Set {
		im.LDFlags = Located[string]{V: strings.Join(k.DefaultLdflags.V, " "), Line: k.DefaultLdflags.Line, Set: true}
	}
	KoEnv(&im)
	return im, nil
}

// KoEnv sets im's base and platforms from ko's KO_DEFAULTBASEIMAGE and
// KO_DEFAULTPLATFORMS (a comma-separated list) when they are set: they
// win over .ko.yaml's defaultBaseImage and defaultPlatforms.
func KoEnv(im *Image) {
	if b := os.Getenv("KO_DEFAULTBASEIMAGE"); b != "" {
		im.Base = Set(b)
	}
	if p := os.Getenv("KO_DEFAULTPLATFORMS"); p != "" {
		im.Platforms = Set(strings.Split(p, ","))
	}
}

// image is build i as an image: the defaults with the build's own keys
// over them, its base from baseImageOverrides when one names it.
func (k *koFile) image(path string, i int, kb koBuild, def Image) (Image, *Error) {
	name := fmt.Sprintf("builds[%d]", i)
	if kb.ID.V != "" {
		name += " (id " + kb.ID.V + ")"
	}
	bad := func(line int, key string, err error) (Image, *Error) {
		return Image{}, &Error{Path: path, Line: orLine(line, kb.Line), Err: fmt.Errorf("%s: %s: %w", name, key, err)}
	}
	im := def
	im.Line = kb.Line
	main := kb.Main.V
	if main == "" {
		main = "."
	}
	im.Package = Located[string]{V: main, Line: orLine(kb.Main.Line, kb.Line), Set: true}
	if kb.Dir.Set {
		im.Dir = Located[string]{V: fileDir(path, kb.Dir.V), Line: kb.Dir.Line, Set: true}
	}
	if err := applyEnv(&im, kb.Env); err != nil {
		return bad(kb.Env.Line, "env", err)
	}
	if err := applyFlags(&im, kb.Flags); err != nil {
		return bad(kb.Flags.Line, "flags", err)
	}
	if kb.Ldflags.Set {
		im.LDFlags = Located[string]{V: strings.Join(kb.Ldflags.V, " "), Line: kb.Ldflags.Line, Set: true}
	}
	if kb.Capabilities.Set {
		im.Capabilities = Located[[]string]{V: kb.Capabilities.V.fields(), Line: kb.Capabilities.Line, Set: true}
	}
	if base, ok := k.override(im, filepath.Dir(path)); ok {
		im.Base = base
	}
	return im, nil
}

// orLine is line a, or b when a is 0.
func orLine(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// override is the baseImageOverrides entry for im's package, by its
// import path (the module path of its directory's go.mod joined with
// main; dir when the build has none) or by main as written.
func (k *koFile) override(im Image, dir string) (Located[string], bool) {
	if len(k.BaseImageOverrides.V) == 0 {
		return Located[string]{}, false
	}
	keys := []string{im.Package.V}
	if im.Dir.V != "" {
		dir = im.Dir.V
	}
	if mod := modulePath(dir); mod != "" {
		keys = append(keys, path.Join(mod, filepath.ToSlash(im.Package.V)))
	}
	for _, key := range keys {
		if v, ok := k.BaseImageOverrides.V[key]; ok {
			return Located[string]{V: v, Line: k.BaseImageOverrides.Line, Set: true}, true
		}
	}
	return Located[string]{}, false
}

// modulePath reads the module line of dir's go.mod ("" when none).
func modulePath(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// ErrKoEnv is wrapped by the error for a build environment variable that
// mingo cannot honour.
var ErrKoEnv = errors.New("mingo sets the build environment itself")

// applyEnv checks ko's build environment: CGO_ENABLED=0 is what mingo
// does anyway; anything else would change the target or the binary in a
// way the recipe cannot record, and is refused by name.
func applyEnv(im *Image, env Located[strs]) error {
	for _, kv := range env.V {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == "CGO_ENABLED" && v == "0":
		case k == "CGO_ENABLED":
			return fmt.Errorf("%s: %w: cgo is off, the binaries are static", kv, ErrKoEnv)
		case k == "GOOS" || k == "GOARCH" || strings.HasPrefix(k, "GOARM") || strings.HasPrefix(k, "GOAMD64") || k == "GO386":
			return fmt.Errorf("%s: %w: the platforms set the target", kv, ErrKoEnv)
		default:
			return fmt.Errorf("%s: %w and does not pass other variables to go build", kv, ErrKoEnv)
		}
	}
	return nil
}

// ErrKoFlag is wrapped by the error for a go build flag mingo refuses.
var ErrKoFlag = errors.New("go build flag not supported")

// applyFlags maps ko's go build flags: -tags become build tags, -ldflags
// join the ldflags, -trimpath is what mingo does anyway; anything else
// (-toolexec, -gcflags, -race, ...) would change the binary in a way
// the recipe cannot record, and is refused by name.
func applyFlags(im *Image, flags Located[strs]) error {
	fs := flags.V.fields()
	for i := 0; i < len(fs); i++ {
		name, val, hasVal := strings.Cut(strings.TrimPrefix(fs[i], "-"), "=")
		name = strings.TrimPrefix(name, "-")
		switch name {
		case "trimpath":
			continue
		case "tags", "ldflags":
		default:
			return fmt.Errorf("%s: %w: mingo compiles with -trimpath and build tags only", fs[i], ErrKoFlag)
		}
		if !hasVal {
			if i+1 == len(fs) {
				return fmt.Errorf("%s: no value", fs[i])
			}
			i++
			val = fs[i]
		}
		if name == "tags" {
			tags := slices.DeleteFunc(strings.Split(val, ","), func(s string) bool { return s == "" })
			im.BuildTags = Located[[]string]{V: append(slices.Clone(im.BuildTags.V), tags...), Line: flags.Line, Set: true}
			continue
		}
		im.LDFlags = Located[string]{V: strings.TrimSpace(im.LDFlags.V + " " + strings.Trim(val, `"'`)), Line: flags.Line, Set: true}
	}
	return nil
}
