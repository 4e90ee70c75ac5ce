package sign

import (
	"testing"

	"github.com/spf13/pflag"
)

// --tlog-upload=false is NoTransparencyLog; given alone, or not at all,
// signatures go to the log.
func TestOptionsFlags(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		noLog bool
	}{
		{nil, false},
		{[]string{"--tlog-upload"}, false},
		{[]string{"--tlog-upload=false"}, true},
		{[]string{"--tlog-upload=false", "--tlog-upload=true"}, false},
	} {
		var o Options
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		o.AddFlags(fs)
		if err := fs.Parse(tc.args); err != nil || o.NoTransparencyLog != tc.noLog {
			t.Errorf("%v: NoTransparencyLog = %v, %v; want %v", tc.args, o.NoTransparencyLog, err, tc.noLog)
		}
		if o.FulcioURL != DefaultFulcioURL || o.RekorURL != DefaultRekorURL {
			t.Errorf("%v: default URLs %q, %q", tc.args, o.FulcioURL, o.RekorURL)
		}
	}
}
