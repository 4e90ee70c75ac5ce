package verify

import "github.com/spf13/pflag"

// AddFlags defines on fs the flags of mingo verify that set r's inputs
// (Package and Image are its arguments), as ko's options types define
// theirs.
func (r *Request) AddFlags(fs *pflag.FlagSet) {
	// --ldflags sets LDFlags, even to "": nil takes mingo.yaml's.
	fs.Func("ldflags", "the extra linker `FLAGS` the image was built with (the recipe holds only their digest)", func(s string) error { r.LDFlags = &s; return nil })
	fs.StringArrayVar(&r.Adds, "add", nil, "the `LOCAL:IMAGEPATH` files the image was built with (repeatable)")
	fs.StringVar(&r.CABundle, "ca-bundle", "", "the PEM `FILE` the image was built with")
	fs.BoolVar(&r.Insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for IMAGE's registry (not needed for localhost or 127.0.0.1, which may be plain HTTP)")
}
