package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mingo-build/mingo/builder"
	"github.com/mingo-build/mingo/layers"
	"github.com/mingo-build/mingo/platform"
)

// configName is the file mingo reads at the module root when no package
// is given on the command line.
const configName = "mingo.yaml"

// located is a config value with the line it was written on, so an error
// about the value can point at it.
type located[T any] struct {
	V    T
	Line int
	Set  bool
}

func (l *located[T]) UnmarshalYAML(n *yaml.Node) error {
	l.Line, l.Set = n.Line, true
	return n.Decode(&l.V)
}

// fileConfig is mingo.yaml.
type fileConfig struct {
	// Repo names images Repo/<binary> when an image has no repository.
	Repo   located[string] `yaml:"repo"`
	Images []fileImage     `yaml:"images"`
}

// fileImage is one image of mingo.yaml; every key mirrors a build flag.
type fileImage struct {
	Line        int                        `yaml:"-"`
	Package     located[string]            `yaml:"package"`
	Repository  located[string]            `yaml:"repository"`
	Tags        located[[]string]          `yaml:"tags"`
	Platforms   located[[]string]          `yaml:"platforms"`
	Base        located[string]            `yaml:"base"`
	LDFlags     located[string]            `yaml:"ldflags"`
	BuildTags   located[[]string]          `yaml:"build-tags"`
	Env         located[map[string]string] `yaml:"env"`
	Labels      located[map[string]string] `yaml:"labels"`
	Annotations located[map[string]string] `yaml:"annotations"`
	User        located[string]            `yaml:"user"`
	Workdir     located[string]            `yaml:"workdir"`
	Args        located[[]string]          `yaml:"args"`
	Add         located[[]string]          `yaml:"add"`
	CACerts     located[bool]              `yaml:"ca-certs"`
	TZData      located[bool]              `yaml:"tzdata"`
	Passwd      located[bool]              `yaml:"passwd"`
	CABundle    located[string]            `yaml:"ca-bundle"`
}

func (im *fileImage) UnmarshalYAML(n *yaml.Node) error {
	// Node.Decode does not inherit the decoder's KnownFields, so unknown
	// keys are caught here.
	if n.Kind == yaml.MappingNode {
		known := map[string]bool{}
		t := reflect.TypeOf(fileImage{})
		for i := range t.NumField() {
			known[strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]] = true
		}
		for i := 0; i < len(n.Content); i += 2 {
			if k := n.Content[i]; !known[k.Value] || k.Value == "-" {
				return fmt.Errorf("line %d: field %s not found in type", k.Line, k.Value)
			}
		}
	}
	type plain fileImage // no UnmarshalYAML: decode the fields as usual
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*im = fileImage(p)
	im.Line = n.Line
	return nil
}

// jobsFor decides what to build: the packages on the command line, or the
// images of the config file (--config, or mingo.yaml at the module root
// when no package is given). multi is whether output lists several images.
func (f *buildFlags) jobsFor(ctx context.Context, patterns []string) ([]*buildJob, bool, error) {
	path := f.configPath
	if path != "" && len(patterns) > 0 {
		return nil, false, errors.New("--config names the images to build: give packages in the file or on the command line, not both")
	}
	if path == "" && len(patterns) == 0 {
		path = moduleConfig(ctx)
	}
	vars := lazyVars(ctx)
	if path == "" {
		g := *f
		var err error
		if g.tags, err = expandAll("-t", g.tags, vars); err != nil {
			return nil, false, err
		}
		if g.ldflags, err = expand("--ldflags", g.ldflags, vars); err != nil {
			return nil, false, err
		}
		return []*buildJob{{flags: &g, patterns: patterns, multi: isMulti(patterns)}}, isMulti(patterns), nil
	}
	cfg, err := readConfig(path)
	if err != nil {
		return nil, false, err
	}
	var jobs []*buildJob
	for i := range cfg.Images {
		j, err := f.imageJob(path, cfg, i, vars)
		if err != nil {
			return nil, false, err
		}
		jobs = append(jobs, j)
	}
	return jobs, true, nil
}

// moduleConfig returns mingo.yaml at the main module's root, if any.
func moduleConfig(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return ""
	}
	p := filepath.Join(filepath.Dir(gomod), configName)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)
var unknownField = regexp.MustCompile(`field (\S+) not found in type`)

// readConfig parses path, refusing unknown keys; errors say file:line.
func readConfig(path string) (*fileConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var cfg fileConfig
	if err := dec.Decode(&cfg); err != nil {
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			detail := m[2]
			if u := unknownField.FindStringSubmatch(detail); u != nil {
				detail = fmt.Sprintf("unknown key %q; known keys are the build flags' names: package, repository, tags, platforms, base, ldflags, build-tags, env, labels, annotations, user, workdir, args, add, ca-certs, tzdata, passwd, ca-bundle", u[1])
			}
			return nil, fmt.Errorf("%s:%s: %s", path, m[1], detail)
		}
		return nil, fmt.Errorf("%s: %s", path, strings.TrimPrefix(msg, "yaml: "))
	}
	if len(cfg.Images) == 0 {
		return nil, fmt.Errorf("%s: no images: add an images: list with at least one package", path)
	}
	return &cfg, nil
}

// imageJob applies image i of the file over the defaults, under the flags
// the user gave on the command line, which win.
func (f *buildFlags) imageJob(path string, cfg *fileConfig, i int, vars func() templateVars) (*buildJob, error) {
	im := cfg.Images[i]
	errAt := func(line int, key string, err error) error {
		return fmt.Errorf("%s:%d: images[%d].%s: %v", path, line, i, key, err)
	}
	if !im.Package.Set || im.Package.V == "" {
		return nil, fmt.Errorf("%s:%d: images[%d]: package is required, for example package: ./cmd/api", path, im.Line, i)
	}
	g := *f
	cli := f.changed
	set := map[string]bool{}
	g.changed = func(name string) bool { return cli(name) || set[name] }
	str := func(flag string, v located[string], dst *string) {
		if v.Set && !cli(flag) {
			*dst, set[flag] = v.V, true
		}
	}
	list := func(flag string, v located[[]string], dst *[]string) {
		if v.Set && !cli(flag) {
			*dst, set[flag] = v.V, true
		}
	}
	boolean := func(flag string, v located[bool], dst *bool) {
		if v.Set && !cli(flag) {
			*dst, set[flag] = v.V, true
		}
	}
	if im.Platforms.Set && !cli("platform") {
		g.platforms = strings.Join(im.Platforms.V, ",")
		if g.platforms != platform.All {
			if _, err := platform.ParseList(g.platforms); err != nil {
				return nil, errAt(im.Platforms.Line, "platforms", err)
			}
		}
	}
	str("base", im.Base, &g.image.base)
	str("ldflags", im.LDFlags, &g.ldflags)
	list("build-tags", im.BuildTags, &g.buildTags)
	str("user", im.User, &g.image.user)
	str("workdir", im.Workdir, &g.image.workdir)
	list("arg", im.Args, &g.image.args)
	list("add", im.Add, &g.image.adds)
	boolean("ca-certs", im.CACerts, &g.image.caCerts)
	boolean("tzdata", im.TZData, &g.image.tzdata)
	boolean("passwd", im.Passwd, &g.image.passwd)
	str("ca-bundle", im.CABundle, &g.image.caBundle)
	// Maps merge: the file's entries, then the command line's, which win.
	g.image.env = append(sortedKV(im.Env.V), f.image.env...)
	g.image.labels = append(sortedKV(im.Labels.V), f.image.labels...)
	g.image.annots = append(sortedKV(im.Annotations.V), f.image.annots...)

	var err error
	if g.ldflags, err = expand("ldflags", g.ldflags, vars); err != nil {
		return nil, errAt(im.LDFlags.Line, "ldflags", err)
	}
	if g.tags, err = expandAll("-t", g.tags, vars); err != nil {
		return nil, err
	}
	if im.Tags.V, err = expandAll("tags", im.Tags.V, vars); err != nil {
		return nil, errAt(im.Tags.Line, "tags", err)
	}
	if err := g.nameImage(cfg, im); err != nil {
		return nil, errAt(max(im.Tags.Line, im.Repository.Line, im.Line), "tags", err)
	}
	if im.User.Set && (g.image.base == builder.BaseScratch || g.image.base == builder.BaseDistroless) {
		if _, _, err := layers.ResolveUser(g.image.user); err != nil {
			return nil, errAt(im.User.Line, "user", err)
		}
	}
	if _, err := g.plan(); err != nil {
		return nil, fmt.Errorf("%s:%d: images[%d]: %v", path, im.Line, i, err)
	}
	return &buildJob{flags: &g, patterns: []string{im.Package.V}, multi: isMulti([]string{im.Package.V})}, nil
}

// nameImage sets g's tags (and repo) from the image's repository and tags,
// the file's repo, or --repo; -t on the command line replaces the tags.
func (g *buildFlags) nameImage(cfg *fileConfig, im fileImage) error {
	tags := im.Tags.V
	if len(g.tags) > 0 {
		tags = g.tags // -t on the command line: bare tags, which win
	}
	if len(tags) == 0 {
		tags = []string{"latest"}
	}
	repo := g.repo
	if repo == "" {
		repo = cfg.Repo.V
	}
	if im.Repository.Set {
		g.repo, g.tags = "", nil
		for _, t := range tags {
			g.tags = append(g.tags, im.Repository.V+":"+t)
		}
		return nil
	}
	if repo == "" {
		if g.push {
			return errors.New("no repository: set repository: on the image, repo: at the top, or --repo")
		}
		g.tags = nil
		return nil
	}
	g.repo, g.tags = repo, tags
	return nil
}

func sortedKV(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out) // map order must not reach the image
	return out
}

// templateVars are what {{.Version}}, {{.Commit}} and {{.Date}} expand to
// in tags and ldflags.
type templateVars struct {
	Version, Commit, Date string
}

// lazyVars asks git only if a template is used.
func lazyVars(ctx context.Context) func() templateVars {
	var v *templateVars
	return func() templateVars {
		if v == nil {
			v = &templateVars{Version: "dev", Commit: "unknown", Date: "1970-01-01T00:00:00Z"}
			if s := gitOut(ctx, "describe", "--tags", "--always", "--dirty"); s != "" {
				v.Version = s
			}
			if s := gitOut(ctx, "rev-parse", "HEAD"); s != "" {
				v.Commit = s
			}
			if t, err := sourceDateEpoch(); err == nil && !t.IsZero() {
				v.Date = t.Format(time.RFC3339)
			} else if s := gitOut(ctx, "log", "-1", "--format=%cI"); s != "" {
				if t, err := time.Parse(time.RFC3339, s); err == nil {
					v.Date = t.UTC().Format(time.RFC3339)
				}
			}
		}
		return *v
	}
}

func gitOut(ctx context.Context, args ...string) string {
	out, err := exec.CommandContext(ctx, "git", args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// expand runs s as a template over the vars; text without {{ is returned
// as is.
func expand(what, s string, vars func() templateVars) (string, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	t, err := template.New(what).Option("missingkey=error").Parse(s)
	if err != nil {
		return "", fmt.Errorf("%s %q: %v", what, s, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, vars()); err != nil {
		return "", fmt.Errorf("%s %q: %v; the fields are {{.Version}}, {{.Commit}} and {{.Date}}", what, s, err)
	}
	return b.String(), nil
}

func expandAll(what string, ss []string, vars func() templateVars) ([]string, error) {
	out := make([]string, len(ss))
	for i, s := range ss {
		var err error
		if out[i], err = expand(what, s, vars); err != nil {
			return nil, err
		}
	}
	return out, nil
}
