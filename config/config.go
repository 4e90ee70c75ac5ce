// Package config reads mingo.yaml, the file that lists the images of a
// module, or ko's .ko.yaml into the same File, and expands the templates
// ({{.Version}}, {{.Commit}}, {{.Date}}, and ko's {{.Env.NAME}} and
// {{.Git.*}}) allowed in tags and ldflags.
//
// Errors point at the file and line of the problem (mingo.yaml:3: ...).
// An Overlay is what a front end sets over the file; Overlay.AddFlags
// defines mingo build's flags that set it, for a front end that takes the
// same command line.
package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mingo-build/mingo/internal/gotool"
)

// Name is the file mingo reads at the root of the main module.
const Name = "mingo.yaml"

// ErrNoImages is wrapped by the error for a file without images.
var ErrNoImages = errors.New("no images")

// ErrNoPackage is wrapped by the error for an image without a package.
var ErrNoPackage = errors.New("package is required")

// Error is a problem at a line of a config file.
type Error struct {
	Path string // the file; empty for a File not read by Load
	Line int    // 1-based; 0 when the problem has no line
	Err  error
}

func (e *Error) Error() string {
	switch {
	case e.Path != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	case e.Path != "":
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Located is a value of the file with the line it was written on, so an
// error about the value can point at it. Set reports whether the key was
// present at all, which tells an empty value from an absent one.
type Located[T any] struct {
	V    T
	Line int
	Set  bool
}

// UnmarshalYAML records the value's line and decodes it into V.
func (l *Located[T]) UnmarshalYAML(n *yaml.Node) error {
	l.Line, l.Set = n.Line, true
	return n.Decode(&l.V)
}

// File is the content of mingo.yaml.
type File struct {
	// Path is the file the values were read from; Load sets it.
	Path string `yaml:"-"`
	// Repo names images Repo/<binary> when an image has no repository.
	Repo Located[string] `yaml:"repo"`
	// CacheRepo is the registry repository that shares compiled binaries
	// between machines.
	CacheRepo Located[string] `yaml:"cache-repo"`
	// CacheSignKey is a cosign private key file (relative to the file)
	// that signs the entries a build records in CacheRepo.
	CacheSignKey Located[string] `yaml:"cache-sign-key"`
	// CacheSignKeyless signs those entries keylessly instead (Sigstore:
	// a certificate for the job's OIDC identity, recorded in the
	// transparency log), as CacheTrustIdentity checks them.
	CacheSignKeyless Located[bool] `yaml:"cache-sign-keyless"`
	// CacheTrustKey is a cosign public key file (relative to the file):
	// an entry of CacheRepo it did not sign is a miss.
	CacheTrustKey Located[string] `yaml:"cache-trust-key"`
	// CacheTrustIdentity, CacheTrustIssuer and CacheTrustRoot (a Sigstore
	// trusted_root.json, relative to the file), all three or none, trust
	// keyless signatures instead: an entry of CacheRepo not signed by the
	// identity, as issued by the OIDC issuer, is a miss.
	CacheTrustIdentity Located[string] `yaml:"cache-trust-identity"`
	CacheTrustIssuer   Located[string] `yaml:"cache-trust-issuer"`
	CacheTrustRoot     Located[string] `yaml:"cache-trust-root"`
	// CacheRepoReadOnly: look binaries up in CacheRepo, record none.
	CacheRepoReadOnly Located[bool] `yaml:"cache-repo-read-only"`
	Images            []Image       `yaml:"images"`
	// Ko reports that the file is ko's .ko.yaml: its builds are the
	// Images, and Defaults holds what its default* keys give a package
	// that no build names.
	Ko       bool  `yaml:"-"`
	Defaults Image `yaml:"-"`
}

// Image is one image of mingo.yaml. Each key has the name of the build
// setting it gives.
type Image struct {
	// Line is where the image's entry starts.
	Line        int                        `yaml:"-"`
	Package     Located[string]            `yaml:"package"`
	Repository  Located[string]            `yaml:"repository"`
	Tags        Located[[]string]          `yaml:"tags"`
	Platforms   Located[[]string]          `yaml:"platforms"`
	Base        Located[string]            `yaml:"base"`
	LDFlags     Located[string]            `yaml:"ldflags"`
	BuildTags   Located[[]string]          `yaml:"build-tags"`
	Env         Located[map[string]string] `yaml:"env"`
	Labels      Located[map[string]string] `yaml:"labels"`
	Annotations Located[map[string]string] `yaml:"annotations"`
	User        Located[string]            `yaml:"user"`
	Workdir     Located[string]            `yaml:"workdir"`
	Args        Located[[]string]          `yaml:"args"`
	Add         Located[[]string]          `yaml:"add"`
	CACerts     Located[bool]              `yaml:"ca-certs"`
	TZData      Located[bool]              `yaml:"tzdata"`
	Passwd      Located[bool]              `yaml:"passwd"`
	CABundle    Located[string]            `yaml:"ca-bundle"`
	Expose      Located[[]string]          `yaml:"expose"`
	Volumes     Located[[]string]          `yaml:"volumes"`
	StopSignal  Located[string]            `yaml:"stop-signal"`
	Compression Located[string]            `yaml:"compression"`
	// Debug adds a debug variant (TAG-debug) with a busybox toolbox,
	// taken from the image DebugToolbox names (default: busybox's).
	Debug        Located[bool]   `yaml:"debug"`
	DebugToolbox Located[string] `yaml:"debug-toolbox"`
	// Delve runs the program under Delve's headless server.
	Delve Located[bool] `yaml:"delve"`
	// Dir is the directory the package resolves and builds in, a module
	// directory (ko's dir), relative to the file; "" is the front end's.
	Dir Located[string] `yaml:"dir"`
	// Capabilities are the Linux capabilities the binary file grants
	// (net_bind_service, ...; ko's linux_capabilities).
	Capabilities Located[[]string] `yaml:"capabilities"`
	// With are more main packages whose binaries go in the image at
	// /usr/local/bin/<name>; Package stays the entrypoint.
	With Located[[]string] `yaml:"with"`
}

// UnmarshalYAML decodes the top level of the file, refusing unknown keys.
func (f *File) UnmarshalYAML(n *yaml.Node) error {
	type plain File // no UnmarshalYAML: decode the fields as usual
	return decodeStrict(n, (*plain)(f), reflect.TypeFor[File]())
}

// UnmarshalYAML decodes one image, refusing unknown keys.
func (im *Image) UnmarshalYAML(n *yaml.Node) error {
	type plain Image
	im.Line = n.Line
	return decodeStrict(n, (*plain)(im), reflect.TypeFor[Image]())
}

// decodeStrict decodes n into v, whose fields are those of t, and reports
// the keys of n that t lacks along with any type errors. Node.Decode does
// not inherit a decoder's KnownFields, hence the check by hand.
func decodeStrict(n *yaml.Node, v any, t reflect.Type) error {
	var problems []string
	if n.Kind == yaml.MappingNode {
		known := keys(t)
		for i := 0; i < len(n.Content); i += 2 {
			if k := n.Content[i]; !slices.Contains(known, k.Value) {
				problems = append(problems, fmt.Sprintf("line %d: unknown key %q; known keys are %s", k.Line, k.Value, strings.Join(known, ", ")))
			}
		}
	}
	if err := n.Decode(v); err != nil {
		te, ok := errors.AsType[*yaml.TypeError](err)
		if !ok {
			return err
		}
		problems = append(problems, te.Errors...)
	}
	if problems != nil {
		return &yaml.TypeError{Errors: problems}
	}
	return nil
}

// keys returns the YAML keys of struct type t in field order.
func keys(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if k := strings.Split(f.Tag.Get("yaml"), ",")[0]; k != "" && k != "-" {
			out = append(out, k)
		}
	}
	return out
}

// yamlLine matches the messages of the YAML parser ("yaml: line 3: ...")
// and of its type errors ("line 3: ...").
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Load reads and validates the config file at path: mingo.yaml, or ko's
// .ko.yaml when IsKo(path). Its errors are *Error values (several joined
// with errors.Join when the file has several problems), which print as
// path:line: problem.
func Load(path string) (*File, error) {
	b, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	if err := checkAliases(path, b); err != nil {
		return nil, err
	}
	if IsKo(path) {
		return loadKo(path, b)
	}
	f := &File{}
	if err := yaml.Unmarshal(b, f); err != nil {
		return nil, yamlErrors(path, err)
	}
	f.Path = path
	if err := f.Validate(); err != nil {
		return nil, err
	}
	for i := range f.Images {
		f.Images[i].Dir.V = fileDir(path, f.Images[i].Dir.V)
	}
	if err := f.keyFiles(); err != nil {
		return nil, err
	}
	return f, nil
}

// keyFiles makes the cache key files absolute and checks they exist, so
// that a wrong path points at its line before anything is built.
func (f *File) keyFiles() error {
	for _, k := range []struct {
		name string
		v    *Located[string]
	}{{"cache-sign-key", &f.CacheSignKey}, {"cache-trust-key", &f.CacheTrustKey}, {"cache-trust-root", &f.CacheTrustRoot}} {
		if k.v.V == "" {
			continue
		}
		k.v.V = fileDir(f.Path, k.v.V)
		if _, err := os.Stat(k.v.V); err != nil {
			return &Error{Path: f.Path, Line: k.v.Line, Err: fmt.Errorf("%s: %w", k.name, err)}
		}
	}
	return nil
}

// fileDir is dir, a directory written in the config file at path, made
// absolute: relative to the file's directory. "" stays "".
func fileDir(path, dir string) string {
	if dir == "" {
		return ""
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(filepath.Dir(path), dir)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// yamlErrors turns the errors of decoding the file at path into *Error
// values with their lines, in line order.
func yamlErrors(path string, err error) error {
	var msgs []string
	if te, ok := errors.AsType[*yaml.TypeError](err); ok {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	errs := make([]*Error, 0, len(msgs))
	for _, msg := range msgs {
		e := &Error{Path: path, Err: errors.New(strings.TrimPrefix(msg, "yaml: "))}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Err = errors.New(m[2])
		}
		errs = append(errs, e)
	}
	slices.SortStableFunc(errs, func(a, b *Error) int { return a.Line - b.Line })
	return join(errs)
}

// MaxSize is the largest config file Load reads, and the most its YAML
// aliases may expand it to: a real mingo.yaml is a few kilobytes, and a
// bound keeps a hostile one from taking gigabytes of memory.
const MaxSize = 1 << 20

// ErrTooLarge is wrapped by the error for a file, or its expansion through
// YAML aliases, beyond MaxSize.
var ErrTooLarge = errors.New("too large")

// readLimited reads at most MaxSize bytes of path, refusing a longer file.
func readLimited(path string) ([]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	if len(b) > MaxSize {
		return nil, &Error{Path: path, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxSize)}
	}
	return b, nil
}

// checkAliases parses b into nodes, which share aliased nodes rather than
// copy them, and walks them in document order adding up the size of every
// alias's expansion: past MaxSize, it refuses the file at the line of the
// alias that crossed the bound. Syntax errors are left to the decoding
// that follows.
func checkAliases(path string, b []byte) error {
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil {
		return nil
	}
	sizes := map[*yaml.Node]int{}
	total := 0
	var walk func(n *yaml.Node) *yaml.Node
	walk = func(n *yaml.Node) *yaml.Node {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			total += expansion(n.Alias, sizes, 0)
		} else {
			total += len(n.Value) + 1
		}
		if total > MaxSize {
			return n
		}
		for _, c := range n.Content {
			if at := walk(c); at != nil {
				return at
			}
		}
		return nil
	}
	at := walk(&doc)
	if at == nil {
		return nil
	}
	return &Error{Path: path, Line: at.Line, Err: fmt.Errorf("%w: YAML aliases expand the file past %d bytes", ErrTooLarge, MaxSize)}
}

// expansion is the size of n with every alias in it expanded, computed
// once per node and stopping a little past MaxSize.
func expansion(n *yaml.Node, sizes map[*yaml.Node]int, depth int) int {
	if s, ok := sizes[n]; ok {
		return s
	}
	if depth > 1000 {
		return MaxSize + 1 // absurd nesting
	}
	s := len(n.Value) + 1
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		s = expansion(n.Alias, sizes, depth+1)
	}
	for _, c := range n.Content {
		if s += expansion(c, sizes, depth+1); s > MaxSize {
			break
		}
	}
	sizes[n] = s
	return s
}

// Validate reports what the file lacks to describe a build: at least one
// image, and a package for each. It does not check the values themselves
// (platforms, users, templates), which a front end may replace.
func (f *File) Validate() error {
	if len(f.Images) == 0 {
		return &Error{Path: f.Path, Err: ErrNoImages}
	}
	var errs []*Error
	for i, im := range f.Images {
		if !im.Package.Set || im.Package.V == "" {
			errs = append(errs, &Error{Path: f.Path, Line: im.Line, Err: fmt.Errorf("images[%d]: %w", i, ErrNoPackage)})
		}
	}
	return join(errs)
}

// join returns nil, the only error, or all of them joined.
func join(errs []*Error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}

// Find returns the path of mingo.yaml at the root of the main module of
// dir (the current directory when dir is empty), or "" when there is no
// main module or no such file.
func Find(ctx context.Context, dir string) string {
	gomod, err := gotool.Var(ctx, dir, "GOMOD")
	if err != nil || gomod == "" || gomod == os.DevNull {
		return ""
	}
	p := filepath.Join(filepath.Dir(gomod), Name)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// SortedKV returns the entries of m as KEY=VALUE, sorted, so that map
// order never reaches an image.
func SortedKV(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}
