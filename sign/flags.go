package sign

import (
	"strconv"

	"github.com/spf13/pflag"
)

// AddFlags defines on fs the flags that set o, as ko's options types
// define theirs: --key, --tlog-upload (whose false sets
// NoTransparencyLog), --fulcio-url and --rekor-url.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Key, "key", "", "cosign private key `FILE` (passphrase in COSIGN_PASSWORD); see mingo generate-key")
	fs.Var((*logUpload)(&o.NoTransparencyLog), "tlog-upload", "record signatures in the Rekor transparency log; --tlog-upload=false for offline key signing")
	fs.Lookup("tlog-upload").NoOptDefVal = "true"
	fs.StringVar(&o.FulcioURL, "fulcio-url", DefaultFulcioURL, "Fulcio certificate authority for keyless signing, at `URL`")
	fs.StringVar(&o.RekorURL, "rekor-url", DefaultRekorURL, "Rekor transparency log at `URL`")
}

// logUpload is NoTransparencyLog as the flag --tlog-upload sets it: negated.
type logUpload bool

func (l *logUpload) String() string { return strconv.FormatBool(!bool(*l)) }
func (l *logUpload) Type() string   { return "bool" }

func (l *logUpload) Set(s string) error {
	v, err := strconv.ParseBool(s)
	*l = logUpload(!v)
	return err
}
