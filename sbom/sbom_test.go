package sbom

import (
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mingo-build/mingo/internal/modproxy"
)

// The sample program's only dependency, served by the repository's module
// proxy (testdata/proxy) into a module cache of the test's own.
const (
	depPath    = "example.com/workers"
	depVersion = "v1.0.0"
	samplePath = "example.com/sbomsample"

	// schemaSHA256 is the SHA-256 of schemas/spdx-schema.json at tag v2.3
	// of github.com/spdx/spdx-spec (see testdata/README.md).
	schemaSHA256 = "239208b7ac287b3cf5d9a9af23f9d69863971102a5e1587a27a398b43490b89b"
	schemaID     = "http://spdx.org/rdf/terms/2.3"
)

// spdxDoc mirrors the parts of the JSON document the tests look at.
type spdxDoc struct {
	SPDXID            string `json:"SPDXID"`
	SPDXVersion       string `json:"spdxVersion"`
	DataLicense       string `json:"dataLicense"`
	Name              string `json:"name"`
	DocumentNamespace string `json:"documentNamespace"`
	CreationInfo      struct {
		Created  string   `json:"created"`
		Creators []string `json:"creators"`
	} `json:"creationInfo"`
	Packages      []spdxPkg `json:"packages"`
	Relationships []struct {
		SPDXElementID      string `json:"spdxElementId"`
		RelationshipType   string `json:"relationshipType"`
		RelatedSPDXElement string `json:"relatedSpdxElement"`
	} `json:"relationships"`
}

type spdxPkg struct {
	SPDXID           string `json:"SPDXID"`
	Name             string `json:"name"`
	VersionInfo      string `json:"versionInfo"`
	DownloadLocation string `json:"downloadLocation"`
	FilesAnalyzed    *bool  `json:"filesAnalyzed"`
	LicenseConcluded string `json:"licenseConcluded"`
	LicenseDeclared  string `json:"licenseDeclared"`
	CopyrightText    string `json:"copyrightText"`
	Comment          string `json:"comment"`
	Checksums        []struct {
		Algorithm     string `json:"algorithm"`
		ChecksumValue string `json:"checksumValue"`
	} `json:"checksums"`
	ExternalRefs []struct {
		ReferenceCategory string `json:"referenceCategory"`
		ReferenceType     string `json:"referenceType"`
		ReferenceLocator  string `json:"referenceLocator"`
	} `json:"externalRefs"`
}

func (p spdxPkg) purl() string {
	for _, r := range p.ExternalRefs {
		if r.ReferenceCategory == "PACKAGE-MANAGER" && r.ReferenceType == "purl" {
			return r.ReferenceLocator
		}
	}
	return ""
}

func (p spdxPkg) sha256() string {
	for _, c := range p.Checksums {
		if c.Algorithm == "SHA256" {
			return c.ChecksumValue
		}
	}
	return ""
}

func decode(t *testing.T, data []byte) spdxDoc {
	t.Helper()
	var d spdxDoc
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("document is not JSON: %v\n%s", err, data)
	}
	return d
}

func (d spdxDoc) pkg(t *testing.T, name string) spdxPkg {
	t.Helper()
	for _, p := range d.Packages {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no package %q in %v", name, d.Packages)
	return spdxPkg{}
}

// sample builds (once per test binary) a small program that depends on
// example.com/workers, with -trimpath, and returns the binary's path.
var sample = sync.OnceValues(buildSample)

var sampleDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if sampleDir != "" {
		modproxy.RemoveAll(sampleDir)
	}
	os.Exit(code)
}

func buildSample() (string, error) {
	dir, err := os.MkdirTemp("", "sbom-sample-")
	if err != nil {
		return "", err
	}
	sampleDir = dir
	sums, err := goSumLines(depPath + " " + depVersion)
	if err != nil {
		return "", err
	}
	files := map[string]string{
		"go.mod": "module " + samplePath + "\n\ngo 1.26\n\nrequire " + depPath + " " + depVersion + "\n",
		"go.sum": sums,
		"main.go": `package main

import (
	"fmt"

	"example.com/workers"
)

func main() {
	var g workers.Group
	g.Go(func() error { return nil })
	fmt.Println(g.Wait())
}
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("go command not found: %w", err)
	}
	bin := filepath.Join(dir, "sample")
	cmd := exec.Command(goCmd, "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = dir
	proxyEnv, err := modproxy.EnvIn(filepath.Join(dir, "modcache"))
	if err != nil {
		return "", err
	}
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off", "CGO_ENABLED=0")
	cmd.Env = append(cmd.Env, proxyEnv...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// goSumLines returns the go.sum lines of the repository's proxy modules
// that start with prefix (the module zip and go.mod hashes of one module
// version).
func goSumLines(prefix string) (string, error) {
	root, err := modproxy.Root()
	if err != nil {
		return "", err
	}
	all, err := modproxy.SumLines(filepath.Join(root, "testdata", "modules"))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for l := range strings.Lines(all) {
		if strings.HasPrefix(l, prefix+" ") || strings.HasPrefix(l, prefix+"/go.mod ") {
			b.WriteString(l)
		}
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("the proxy modules have no go.sum lines for %s", prefix)
	}
	return b.String(), nil
}

// h1FromGoSum returns the h1: hash of the module zip from go.sum.
func h1FromGoSum(t *testing.T) string {
	t.Helper()
	lines, err := goSumLines(depPath + " " + depVersion)
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(lines) {
		f := strings.Fields(l)
		if len(f) == 3 && f[1] == depVersion {
			return f[2]
		}
	}
	t.Fatalf("no module hash line in %q", lines)
	return ""
}

func sampleBinary(t *testing.T) string {
	t.Helper()
	bin, err := sample()
	if err != nil {
		t.Fatalf("building the sample program: %v", err)
	}
	return bin
}

var testOptions = Options{
	Name:     "registry.example.com/team/api",
	Platform: runtime.GOOS + "/" + runtime.GOARCH,
	Created:  time.Unix(1700000000, 0),
	Tool:     "mingo-v0.3.0",
}

func TestFromBinaryRealProgram(t *testing.T) {
	bin := sampleBinary(t)
	out, err := FromBinary(bin, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	d := decode(t, out)

	if d.SPDXVersion != "SPDX-2.3" || d.DataLicense != "CC0-1.0" || d.SPDXID != "SPDXRef-DOCUMENT" {
		t.Errorf("header = %q %q %q", d.SPDXVersion, d.DataLicense, d.SPDXID)
	}
	if d.Name != testOptions.Name {
		t.Errorf("name = %q", d.Name)
	}
	if want := "2023-11-14T22:13:20Z"; d.CreationInfo.Created != want {
		t.Errorf("created = %q, want %q", d.CreationInfo.Created, want)
	}
	if want := []string{"Tool: mingo-v0.3.0"}; !slices.Equal(d.CreationInfo.Creators, want) {
		t.Errorf("creators = %q, want %q", d.CreationInfo.Creators, want)
	}
	nsPrefix := "https://spdx.mingo.dev/registry.example.com/team/api/" + testOptions.Platform + "/"
	if !strings.HasPrefix(d.DocumentNamespace, nsPrefix) || !regexp.MustCompile(`/[0-9a-f]{64}$`).MatchString(d.DocumentNamespace) {
		t.Errorf("documentNamespace = %q, want %s<sha256>", d.DocumentNamespace, nsPrefix)
	}

	// Exactly the main module, its dependency and the standard library, in order.
	var got []string
	for _, p := range d.Packages {
		got = append(got, p.Name+"@"+p.VersionInfo)
	}
	want := []string{samplePath + "@(devel)", depPath + "@" + depVersion, "stdlib@" + bi.GoVersion}
	if !slices.Equal(got, want) {
		t.Fatalf("packages = %q, want %q", got, want)
	}
	if !strings.HasPrefix(bi.GoVersion, "go1.") {
		t.Errorf("GoVersion = %q", bi.GoVersion)
	}

	h1 := h1FromGoSum(t)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h1, "h1:"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, purl, sha256, id string
	}{
		{samplePath, "pkg:golang/example.com/sbomsample@%28devel%29", "", "SPDXRef-Package-example.com-sbomsample--devel-"},
		{depPath, "pkg:golang/example.com/workers@v1.0.0", hex.EncodeToString(raw), "SPDXRef-Package-example.com-workers-v1.0.0"},
		{"stdlib", "pkg:golang/stdlib@" + bi.GoVersion, "", "SPDXRef-Package-stdlib-" + bi.GoVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := d.pkg(t, tt.name)
			if p.purl() != tt.purl {
				t.Errorf("purl = %q, want %q", p.purl(), tt.purl)
			}
			if p.sha256() != tt.sha256 {
				t.Errorf("SHA256 = %q, want %q", p.sha256(), tt.sha256)
			}
			if p.SPDXID != tt.id {
				t.Errorf("SPDXID = %q, want %q", p.SPDXID, tt.id)
			}
			if p.DownloadLocation != "NOASSERTION" || p.LicenseConcluded != "NOASSERTION" ||
				p.LicenseDeclared != "NOASSERTION" || p.CopyrightText != "NOASSERTION" {
				t.Errorf("assertion fields = %q %q %q %q", p.DownloadLocation, p.LicenseConcluded, p.LicenseDeclared, p.CopyrightText)
			}
			if p.FilesAnalyzed == nil || *p.FilesAnalyzed {
				t.Errorf("filesAnalyzed = %v, want false", p.FilesAnalyzed)
			}
		})
	}
	// The dependency's checksum is the go.sum h1 hash, which is also kept verbatim.
	if want := "7356a1fccb2a3faa8d67eb34115a2b6c046bb2b11ea5bc1cd965b3c5278b26cc"; hex.EncodeToString(raw) != want {
		t.Errorf("go.sum h1 decodes to %x, want %s", raw, want)
	}
	if c := d.pkg(t, depPath).Comment; c != "sum="+h1 {
		t.Errorf("dependency comment = %q, want sum=%s", c, h1)
	}

	// The main package records the build settings, in order.
	var settings []string
	for _, s := range bi.Settings {
		settings = append(settings, s.Key+"="+s.Value)
	}
	mainComment := d.pkg(t, samplePath).Comment
	if mainComment != strings.Join(settings, "\n") {
		t.Errorf("main comment = %q, want %q", mainComment, settings)
	}
	for _, s := range []string{"-trimpath=true", "CGO_ENABLED=0", "GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH} {
		if !slices.Contains(strings.Split(mainComment, "\n"), s) {
			t.Errorf("main comment lacks %q:\n%s", s, mainComment)
		}
	}

	// DOCUMENT DESCRIBES main; main DEPENDS_ON the dependency and stdlib.
	var rels []string
	for _, r := range d.Relationships {
		rels = append(rels, r.SPDXElementID+" "+r.RelationshipType+" "+r.RelatedSPDXElement)
	}
	wantRels := []string{
		"SPDXRef-DOCUMENT DESCRIBES " + tests[0].id,
		tests[0].id + " DEPENDS_ON " + tests[1].id,
		tests[0].id + " DEPENDS_ON " + tests[2].id,
	}
	if !slices.Equal(rels, wantRels) {
		t.Errorf("relationships = %q, want %q", rels, wantRels)
	}
	checkDocument(t, out)
}

func TestDeterministic(t *testing.T) {
	bin := sampleBinary(t)
	a, err := FromBinary(bin, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	b, err := FromBinary(bin, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("two calls differ:\n%s\n%s", a, b)
	}

	// The order of bi.Deps does not matter; the content does.
	bi := syntheticBuildInfo()
	x, err := FromBuildInfo(bi, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	rev := *bi
	rev.Deps = slices.Clone(bi.Deps)
	slices.Reverse(rev.Deps)
	y, err := FromBuildInfo(&rev, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Errorf("reordering bi.Deps changed the document:\n%s\n%s", x, y)
	}
	if !reflect.DeepEqual(bi, syntheticBuildInfo()) {
		t.Error("FromBuildInfo modified its input")
	}

	later := testOptions
	later.Created = later.Created.Add(time.Second)
	z, err := FromBuildInfo(bi, later)
	if err != nil {
		t.Fatal(err)
	}
	if decode(t, x).DocumentNamespace == decode(t, z).DocumentNamespace {
		t.Error("a different document kept the same namespace")
	}
}

func syntheticBuildInfo() *debug.BuildInfo {
	return &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Path:      "example.com/app/cmd/app",
		Main:      debug.Module{Path: "example.com/app", Version: "v1.2.3", Sum: "h1:qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo="},
		Deps: []*debug.Module{
			{Path: "golang.org/x/sync", Version: "v0.24.0", Sum: "h1:iqiDrGoDgyuvAKrhLQthUEzU/R378N78gXbBjxed7oA="},
			{Path: "github.com/BurntSushi/toml", Version: "v1.4.0", Sum: "h1:kuoIxZQy2WRRk1pttg9asf+WVv6tWQuBNVmK4+nh3/0="},
			{Path: "github.com/docker/cli", Version: "v29.7.2+incompatible", Sum: "h1:bad"},
			{Path: "example.com/old", Version: "v1.0.0", Sum: "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
				Replace: &debug.Module{Path: "example.com/fork", Version: "v1.0.1", Sum: "h1://////////////////////////////////////////8="}},
			{Path: "example.com/local", Version: "v0.1.0", Replace: &debug.Module{Path: "../local"}},
			{Path: "example.com/a/b", Version: "v1.0.0"},
			{Path: "example.com/a-b", Version: "v1.0.0"},
		},
		Settings: []debug.BuildSetting{
			{Key: "-buildmode", Value: "exe"},
			{Key: "-ldflags", Value: "-s -w -X main.version=v1.2.3"},
			{Key: "-trimpath", Value: "true"},
			{Key: "CGO_ENABLED", Value: "0"},
			{Key: "GOARCH", Value: "arm"},
			{Key: "GOOS", Value: "linux"},
			{Key: "GOARM", Value: "7"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef"},
		},
	}
}

func TestFromBuildInfoPackages(t *testing.T) {
	out, err := FromBuildInfo(syntheticBuildInfo(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := decode(t, out)
	checkDocument(t, out)

	if d.Name != "example.com/app" {
		t.Errorf("default name = %q", d.Name)
	}
	if d.CreationInfo.Created != "1970-01-01T00:00:00Z" {
		t.Errorf("default created = %q", d.CreationInfo.Created)
	}
	if want := []string{"Tool: mingo"}; !slices.Equal(d.CreationInfo.Creators, want) {
		t.Errorf("default creators = %q", d.CreationInfo.Creators)
	}
	if p := "https://spdx.mingo.dev/example.com/app/linux/arm/v7/"; !strings.HasPrefix(d.DocumentNamespace, p) {
		t.Errorf("namespace = %q, want prefix %q (platform from settings)", d.DocumentNamespace, p)
	}

	var names []string
	for _, p := range d.Packages {
		names = append(names, p.Name+"@"+p.VersionInfo)
	}
	wantNames := []string{
		"example.com/app@v1.2.3",
		"example.com/a-b@v1.0.0",
		"example.com/a/b@v1.0.0",
		"example.com/fork@v1.0.1",
		"example.com/local@(devel)",
		"github.com/BurntSushi/toml@v1.4.0",
		"github.com/docker/cli@v29.7.2+incompatible",
		"golang.org/x/sync@v0.24.0",
		"stdlib@go1.26.8",
	}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("packages = %q\nwant %q", names, wantNames)
	}

	tests := []struct {
		name    string
		id      string // "" means: only check the prefix idPrefix
		purl    string
		sha256  string
		comment string
	}{
		{"example.com/app", "SPDXRef-Package-example.com-app-v1.2.3", "pkg:golang/example.com/app@v1.2.3",
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			"-buildmode=exe\n-ldflags=-s -w -X main.version=v1.2.3\n-trimpath=true\nCGO_ENABLED=0\nGOARCH=arm\nGOOS=linux\nGOARM=7\nvcs=git\nvcs.revision=0123456789abcdef\nsum=h1:qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo="},
		{"example.com/fork", "SPDXRef-Package-example.com-fork-v1.0.1", "pkg:golang/example.com/fork@v1.0.1",
			strings.Repeat("ff", 32), "sum=h1://////////////////////////////////////////8=\nreplaces=example.com/old@v1.0.0"},
		{"example.com/local", "SPDXRef-Package-example.com-local--devel-", "pkg:golang/example.com/local@%28devel%29",
			"", "replaced by local directory ../local\nreplaces=example.com/local@v0.1.0"},
		{"github.com/BurntSushi/toml", "SPDXRef-Package-github.com-BurntSushi-toml-v1.4.0", "pkg:golang/github.com/BurntSushi/toml@v1.4.0",
			"92ea08c59432d96451935a6db60f5ab1ff9656fead590b8135598ae3e9e1dffd", "sum=h1:kuoIxZQy2WRRk1pttg9asf+WVv6tWQuBNVmK4+nh3/0="},
		// An h1 value that is not base64 SHA-256 gives no checksum but is kept.
		{"github.com/docker/cli", "SPDXRef-Package-github.com-docker-cli-v29.7.2-incompatible", "pkg:golang/github.com/docker/cli@v29.7.2%2Bincompatible",
			"", "sum=h1:bad"},
		{"golang.org/x/sync", "SPDXRef-Package-golang.org-x-sync-v0.24.0", "pkg:golang/golang.org/x/sync@v0.24.0",
			"8aa883ac6a03832baf00aae12d0b61504cd4fd1dfbf0defc8176c18f179dee80", "sum=h1:iqiDrGoDgyuvAKrhLQthUEzU/R378N78gXbBjxed7oA="},
		{"stdlib", "SPDXRef-Package-stdlib-go1.26.8", "pkg:golang/stdlib@go1.26.8", "",
			"The Go standard library and runtime linked into the binary."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := d.pkg(t, tt.name)
			if p.SPDXID != tt.id {
				t.Errorf("SPDXID = %q, want %q", p.SPDXID, tt.id)
			}
			if p.purl() != tt.purl {
				t.Errorf("purl = %q, want %q", p.purl(), tt.purl)
			}
			if p.sha256() != tt.sha256 {
				t.Errorf("SHA256 = %q, want %q", p.sha256(), tt.sha256)
			}
			if p.Comment != tt.comment {
				t.Errorf("comment = %q, want %q", p.Comment, tt.comment)
			}
		})
	}

	// "example.com/a/b" and "example.com/a-b" sanitize alike but keep
	// distinct identifiers (checkDocument checks uniqueness).
	ab, ab2 := d.pkg(t, "example.com/a/b"), d.pkg(t, "example.com/a-b")
	if ab.SPDXID == ab2.SPDXID || !strings.HasPrefix(ab.SPDXID, ab2.SPDXID) {
		t.Errorf("colliding IDs: %q, %q", ab.SPDXID, ab2.SPDXID)
	}
	// Every non-main package is a dependency of main.
	if n := len(d.Relationships); n != len(d.Packages) {
		t.Errorf("%d relationships for %d packages", n, len(d.Packages))
	}
}

func TestOptions(t *testing.T) {
	bi := syntheticBuildInfo()
	tests := []struct {
		name        string
		o           Options
		created     string
		creator     string
		nsPrefix    string
		wantDocName string
	}{
		{"zero", Options{}, "1970-01-01T00:00:00Z", "Tool: mingo",
			"https://spdx.mingo.dev/example.com/app/linux/arm/v7/", "example.com/app"},
		{"explicit", Options{Name: "registry.example.com:5000/team/api", Platform: "linux/arm64", Created: time.Unix(1, 0), Tool: "mingo-v0.3.0"},
			"1970-01-01T00:00:01Z", "Tool: mingo-v0.3.0",
			"https://spdx.mingo.dev/registry.example.com:5000/team/api/linux/arm64/", "registry.example.com:5000/team/api"},
		{"local zone and nanoseconds", Options{Name: "x", Platform: "linux/amd64", Created: time.Date(2024, 5, 6, 9, 8, 7, 999, time.FixedZone("X", 2*3600))},
			"2024-05-06T07:08:07Z", "Tool: mingo", "https://spdx.mingo.dev/x/linux/amd64/", "x"},
		{"escaped name", Options{Name: "odd name#1", Platform: "linux/amd64"}, "1970-01-01T00:00:00Z", "Tool: mingo",
			"https://spdx.mingo.dev/odd%20name%231/linux/amd64/", "odd name#1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := FromBuildInfo(bi, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			checkDocument(t, out)
			d := decode(t, out)
			if d.CreationInfo.Created != tt.created {
				t.Errorf("created = %q, want %q", d.CreationInfo.Created, tt.created)
			}
			if !slices.Equal(d.CreationInfo.Creators, []string{tt.creator}) {
				t.Errorf("creators = %q, want %q", d.CreationInfo.Creators, tt.creator)
			}
			if !strings.HasPrefix(d.DocumentNamespace, tt.nsPrefix) {
				t.Errorf("namespace = %q, want prefix %q", d.DocumentNamespace, tt.nsPrefix)
			}
			if d.Name != tt.wantDocName {
				t.Errorf("name = %q, want %q", d.Name, tt.wantDocName)
			}
		})
	}
}

func TestPurl(t *testing.T) {
	tests := []struct{ path, version, want string }{
		{"golang.org/x/sync", "v0.24.0", "pkg:golang/golang.org/x/sync@v0.24.0"},
		{"github.com/docker/cli", "v29.7.2+incompatible", "pkg:golang/github.com/docker/cli@v29.7.2%2Bincompatible"},
		{"example.com/m", "(devel)", "pkg:golang/example.com/m@%28devel%29"},
		{"stdlib", "go1.26.8", "pkg:golang/stdlib@go1.26.8"},
		{"stdlib", "go1.26.8 X:nodwarf5", "pkg:golang/stdlib@go1.26.8%20X%3Anodwarf5"},
		{"example.com/ü@x", "v1.0.0-0.2024_a~b", "pkg:golang/example.com/%C3%BC%40x@v1.0.0-0.2024_a~b"},
		{"gopkg.in/yaml.v3", "v3.0.1", "pkg:golang/gopkg.in/yaml.v3@v3.0.1"},
	}
	for _, tt := range tests {
		if got := purl(tt.path, tt.version); got != tt.want {
			t.Errorf("purl(%q, %q) = %q, want %q", tt.path, tt.version, got, tt.want)
		}
	}
}

func TestH1Hex(t *testing.T) {
	tests := []struct {
		sum, want string
		ok        bool
	}{
		{"h1:iqiDrGoDgyuvAKrhLQthUEzU/R378N78gXbBjxed7oA=", "8aa883ac6a03832baf00aae12d0b61504cd4fd1dfbf0defc8176c18f179dee80", true},
		{"", "", false},
		{"h1:bad", "", false},
		{"h1:AAAA", "", false}, // valid base64, wrong length
		{"h2:iqiDrGoDgyuvAKrhLQthUEzU/R378N78gXbBjxed7oA=", "", false},
	}
	for _, tt := range tests {
		got, ok := h1Hex(tt.sum)
		if got != tt.want || ok != tt.ok {
			t.Errorf("h1Hex(%q) = %q, %v; want %q, %v", tt.sum, got, ok, tt.want, tt.ok)
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "not-a-binary")
	if err := os.WriteFile(text, []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       []string
	}{
		{"not a Go binary", text, []string{"no Go build info", text}},
		{"missing file", filepath.Join(dir, "missing"), []string{"no Go build info", "no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := FromBinary(tt.path, testOptions)
			if err == nil {
				t.Fatalf("no error; got %s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := FromBuildInfo(nil, testOptions); err == nil {
		t.Error("FromBuildInfo(nil) gave no error")
	}
	if _, err := FromBuildInfo(&debug.BuildInfo{}, testOptions); err == nil || !strings.Contains(err.Error(), "Go version") {
		t.Errorf("FromBuildInfo without GoVersion: %v", err)
	}
}

// TestSchemaRejects shows that the schema validation in checkDocument is
// not vacuous.
func TestSchemaRejects(t *testing.T) {
	sch := spdxSchema(t)
	tests := []struct{ name, doc string }{
		{"empty", `{}`},
		{"unknown field", `{"SPDXID":"SPDXRef-DOCUMENT","creationInfo":{"created":"1970-01-01T00:00:00Z","creators":["Tool: x"]},"dataLicense":"CC0-1.0","name":"x","spdxVersion":"SPDX-2.3","extra":1}`},
		{"bad checksum algorithm", `{"SPDXID":"SPDXRef-DOCUMENT","creationInfo":{"created":"1970-01-01T00:00:00Z","creators":["Tool: x"]},"dataLicense":"CC0-1.0","name":"x","spdxVersion":"SPDX-2.3",
			"packages":[{"SPDXID":"SPDXRef-p","name":"p","downloadLocation":"NOASSERTION","checksums":[{"algorithm":"SHA-256","checksumValue":"00"}]}]}`},
		{"no creators", `{"SPDXID":"SPDXRef-DOCUMENT","creationInfo":{"created":"1970-01-01T00:00:00Z","creators":[]},"dataLicense":"CC0-1.0","name":"x","spdxVersion":"SPDX-2.3"}`},
	}
	for _, tt := range tests {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.doc))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if err := sch.Validate(v); err == nil {
			t.Errorf("%s: schema accepted %s", tt.name, tt.doc)
		}
	}
}

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// spdxSchema compiles testdata/spdx-schema-2.3.json, the official SPDX 2.3
// JSON schema, after checking it is byte-identical to upstream.
func spdxSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		data, err := os.ReadFile(filepath.Join("testdata", "spdx-schema-2.3.json"))
		if err != nil {
			schemaErr = err
			return
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != schemaSHA256 {
			schemaErr = fmt.Errorf("testdata/spdx-schema-2.3.json has SHA-256 %x, want the upstream %s", sum, schemaSHA256)
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(schemaID, doc); err != nil {
			schemaErr = err
			return
		}
		schema, schemaErr = c.Compile(schemaID)
	})
	if schemaErr != nil {
		t.Fatalf("SPDX schema: %v", schemaErr)
	}
	return schema
}

var (
	spdxIDRe   = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)
	createdRe  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
	sha256HexR = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// checkDocument validates out against the official SPDX 2.3 JSON schema and
// checks the rules of the specification that the schema does not encode.
func checkDocument(t *testing.T, out []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := spdxSchema(t).Validate(v); err != nil {
		t.Fatalf("document does not validate against the SPDX 2.3 schema: %v\n%s", err, out)
	}
	if !bytes.HasSuffix(out, []byte("}\n")) {
		t.Error("document does not end in a newline")
	}

	d := decode(t, out)
	if !createdRe.MatchString(d.CreationInfo.Created) {
		t.Errorf("created %q is not YYYY-MM-DDThh:mm:ssZ", d.CreationInfo.Created)
	}
	u, err := url.Parse(d.DocumentNamespace)
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(d.DocumentNamespace, "#") {
		t.Errorf("documentNamespace %q is not an absolute URI without '#': %v", d.DocumentNamespace, err)
	}
	ids := map[string]bool{d.SPDXID: true}
	for _, p := range d.Packages {
		if !spdxIDRe.MatchString(p.SPDXID) {
			t.Errorf("SPDXID %q does not match %s", p.SPDXID, spdxIDRe)
		}
		if ids[p.SPDXID] {
			t.Errorf("duplicate SPDXID %q", p.SPDXID)
		}
		ids[p.SPDXID] = true
		if pu := p.purl(); !strings.HasPrefix(pu, "pkg:golang/") && !strings.HasPrefix(pu, "pkg:oci/") && !(pu == "" && strings.Contains(p.SPDXID, "Component-")) || strings.ContainsAny(pu, " ()+") {
			t.Errorf("package %s: purl %q", p.Name, p.purl())
		}
		for _, c := range p.Checksums {
			if !sha256HexR.MatchString(c.ChecksumValue) {
				t.Errorf("package %s: checksum %q is not lowercase SHA-256 hex", p.Name, c.ChecksumValue)
			}
		}
	}
	for _, r := range d.Relationships {
		if !ids[r.SPDXElementID] || !ids[r.RelatedSPDXElement] {
			t.Errorf("relationship %+v refers to an unknown element", r)
		}
	}
}
