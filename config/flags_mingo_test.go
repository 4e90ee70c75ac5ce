package config_test

import (
	"testing"

	"github.com/spf13/pflag"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
)

// The naming flags write mingo.Spec.Naming's values, which package config
// spells out because it cannot import mingo.
func TestNamingFlagsSetSpecNaming(t *testing.T) {
	for flag, want := range map[string]string{"--bare": mingo.NameBare, "-B": mingo.NameBinary, "-P": mingo.NameImportPath} {
		var o config.Overlay
		fs := pflag.NewFlagSet("build", pflag.ContinueOnError)
		o.AddFlags(fs)
		if err := fs.Parse([]string{flag}); err != nil || o.Naming != config.Set(want) {
			t.Errorf("%s: naming %+v, %v; want %q", flag, o.Naming, err, want)
		}
	}
	fs := pflag.NewFlagSet("build", pflag.ContinueOnError)
	new(config.Overlay).AddFlags(fs)
	for name, def := range map[string]string{"base": mingo.BaseDistroless, "compression": mingo.Gzip} {
		if got := fs.Lookup(name).DefValue; got != def {
			t.Errorf("--%s shows default %q, want mingo's %q", name, got, def)
		}
	}
}
