package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// parse reads args with the overlay's flags into a new Overlay.
func parse(t *testing.T, args ...string) (*Overlay, error) {
	t.Helper()
	var o Overlay
	fs := pflag.NewFlagSet("build", pflag.ContinueOnError)
	fs.SetOutput(&strings.Builder{})
	o.AddFlags(fs)
	return &o, fs.Parse(args)
}

func TestAddFlagsSetOnlyWhatIsGiven(t *testing.T) {
	o, err := parse(t, "-t", "reg/a:v1", "--tag", "v2", "--platform", "linux/amd64,linux/arm64", "--platform=all",
		"--env", "A=1", "--env", "B=2", "--env", "A=3", "--tzdata=false", "--ca-certs", "--expose", "8080/udp",
		"--capabilities", "net_bind_service,sys_time", "--insecure-registry", "--cache-repo-read-only", "--repo", "reg/ns")
	if err != nil {
		t.Fatal(err)
	}
	im := o.Image
	want := Image{
		Tags:         Set([]string{"reg/a:v1", "v2"}),
		Platforms:    Set([]string{"linux/amd64", "linux/arm64", "all"}),
		Env:          Set(map[string]string{"A": "3", "B": "2"}),
		TZData:       Set(false),
		CACerts:      Set(true),
		Expose:       Set([]string{"8080/udp"}),
		Capabilities: Set([]string{"net_bind_service", "sys_time"}),
	}
	if !reflect.DeepEqual(im, want) {
		t.Errorf("image = %+v\nwant    %+v", im, want)
	}
	if !o.Insecure || o.CacheRepoReadOnly != Set(true) || o.Repo != Set("reg/ns") {
		t.Errorf("insecure %v, read-only %+v, repo %+v", o.Insecure, o.CacheRepoReadOnly, o.Repo)
	}
	if o.CacheRepo.Set || o.Naming.Set || im.Base.Set || im.Compression.Set {
		t.Errorf("flags not given are set: %+v", o)
	}
}

func TestAddFlagsCheckAsParsed(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--platform", "linux/sparc"}, "linux/sparc"},
		{[]string{"--expose", "99999"}, "out of range"},
		{[]string{"--volume", "data"}, "clean absolute path"},
		{[]string{"--stop-signal", "SIGNOPE"}, "signal"},
		{[]string{"--capabilities", "net_bind_service,fly"}, "fly"},
		{[]string{"--compression", "bzip2"}, "bzip2"},
		{[]string{"--add", "nocolon"}, "nocolon"},
		{[]string{"--env", "=x"}, "want KEY=VALUE"},
		{[]string{"--label", "A B=x"}, "want KEY=VALUE"},
		{[]string{"--tzdata=maybe"}, "want true or false"},
		{[]string{"--bare", "-P"}, "pick one"},
	} {
		if _, err := parse(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error mentioning %q", tc.args, err, tc.want)
		}
	}
}

func TestNamingFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Located[string]
	}{
		{nil, Located[string]{}},
		{[]string{"--bare"}, Set("bare")},
		{[]string{"-B"}, Set("")},
		{[]string{"-P"}, Set("import-path")},
		{[]string{"-P", "-P"}, Set("import-path")},
		{[]string{"-P", "--preserve-import-paths=false"}, Located[string]{}},
		{[]string{"-P", "--bare=false"}, Set("import-path")},
	} {
		o, err := parse(t, tc.args...)
		if err != nil || o.Naming != tc.want {
			t.Errorf("%v: naming %+v, %v; want %+v", tc.args, o.Naming, err, tc.want)
		}
	}
}

func TestAddFlagsHelpDefaults(t *testing.T) {
	fs := pflag.NewFlagSet("build", pflag.ContinueOnError)
	new(Overlay).AddFlags(fs)
	for name, def := range map[string]string{"platform": "linux/amd64,linux/arm64", "base": "distroless", "compression": "gzip", "insecure-registry": "false"} {
		if got := fs.Lookup(name).DefValue; got != def {
			t.Errorf("--%s shows default %q, want %q", name, got, def)
		}
	}
	for _, name := range []string{"tzdata", "debug", "cache-repo-read-only", "bare", "base-import-paths"} {
		if got := fs.Lookup(name).NoOptDefVal; got != "true" {
			t.Errorf("--%s without a value = %q, want true", name, got)
		}
	}
}

func TestFlagOf(t *testing.T) {
	for key, flag := range map[string]string{"platforms": "platform", "tags": "tag", "expose": "expose", "stop-signal": "stop-signal", "volumes": "volume"} {
		if got := FlagOf(key); got != flag {
			t.Errorf("FlagOf(%q) = %q, want %q", key, got, flag)
		}
	}
	fs := pflag.NewFlagSet("build", pflag.ContinueOnError)
	new(Overlay).AddFlags(fs)
	// Every key has its flag but package, repository and dir, which
	// arguments, --repo and the working directory stand for.
	for _, key := range keys(reflect.TypeFor[Image]()) {
		if key != "package" && key != "repository" && key != "dir" && fs.Lookup(FlagOf(key)) == nil {
			t.Errorf("mingo.yaml key %s: FlagOf says --%s, which AddFlags does not define", key, FlagOf(key))
		}
	}
}

func TestWithEnvCacheTrust(t *testing.T) {
	t.Setenv("MINGO_CACHE_SIGN_KEY", "env.key")
	t.Setenv("MINGO_CACHE_TRUST_KEY", "env.pub")
	t.Setenv("MINGO_CACHE_REPO_READ_ONLY", "")
	t.Setenv("MINGO_CACHE_REPO_READONLY", "1")
	o := Overlay{}.WithEnv()
	if o.CacheSignKey != Set("env.key") || o.CacheTrustKey != Set("env.pub") || o.CacheRepoReadOnly != Set(true) {
		t.Errorf("WithEnv of an empty overlay: %+v %+v %+v", o.CacheSignKey, o.CacheTrustKey, o.CacheRepoReadOnly)
	}
	t.Setenv("MINGO_CACHE_REPO_READ_ONLY", "0")
	o = Overlay{CacheSignKey: Set("flag.key"), CacheTrustKey: Set("flag.pub")}.WithEnv()
	if o.CacheSignKey != Set("flag.key") || o.CacheTrustKey != Set("flag.pub") || o.CacheRepoReadOnly != Set(false) {
		t.Errorf("WithEnv under flags: %+v %+v %+v", o.CacheSignKey, o.CacheTrustKey, o.CacheRepoReadOnly)
	}
	o = Overlay{CacheRepoReadOnly: Set(false)}.WithEnv()
	if o.CacheRepoReadOnly != Set(false) {
		t.Errorf("WithEnv replaced --cache-repo-read-only=false: %+v", o.CacheRepoReadOnly)
	}
}

// The keyless trust flags set the overlay; the environment fills what
// they leave unset.
func TestCacheTrustIdentityFlagsAndEnv(t *testing.T) {
	t.Setenv("MINGO_CACHE_TRUST_IDENTITY", "env-id")
	t.Setenv("MINGO_CACHE_TRUST_ISSUER", "env-issuer")
	t.Setenv("MINGO_CACHE_TRUST_ROOT", "env-root.json")
	var o Overlay
	fs := pflag.NewFlagSet("build", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse([]string{"--cache-trust-identity", "flag-id", "--cache-trust-root=flag-root.json"}); err != nil {
		t.Fatal(err)
	}
	o = o.WithEnv()
	if o.CacheTrustIdentity != Set("flag-id") || o.CacheTrustIssuer != Set("env-issuer") || o.CacheTrustRoot != Set("flag-root.json") {
		t.Errorf("identity %+v, issuer %+v, root %+v", o.CacheTrustIdentity, o.CacheTrustIssuer, o.CacheTrustRoot)
	}
}

// --cache-sign-keyless sets the overlay; MINGO_CACHE_SIGN_KEYLESS fills
// it when the flag is not given, and never overrides the flag.
func TestCacheSignKeylessFlagAndEnv(t *testing.T) {
	t.Setenv("MINGO_CACHE_SIGN_KEYLESS", "1")
	var o Overlay
	if o = o.WithEnv(); o.CacheSignKeyless != Set(true) {
		t.Errorf("from the environment: %+v, want set true", o.CacheSignKeyless)
	}
	o = Overlay{}
	fs := pflag.NewFlagSet("build", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse([]string{"--cache-sign-keyless=false"}); err != nil {
		t.Fatal(err)
	}
	if o = o.WithEnv(); o.CacheSignKeyless != Set(false) {
		t.Errorf("--cache-sign-keyless=false under MINGO_CACHE_SIGN_KEYLESS=1: %+v", o.CacheSignKeyless)
	}
}
