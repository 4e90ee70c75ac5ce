package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// The flag types below parse and check their values as the command line
// is read, so that a bad value fails before anything runs, and write
// Located values: "set" means the user gave the flag, which is what lets
// a flag win over mingo.yaml and an absent flag leave it alone.

// text is a string flag, checked by check when not nil.
type text struct {
	dst   *Located[string]
	check func(string) error
}

func (f text) String() string { return f.dst.V }
func (f text) Type() string   { return "string" }
func (f text) Set(s string) error {
	if f.check != nil && s != "" {
		if err := f.check(s); err != nil {
			return err
		}
	}
	*f.dst = Set(s)
	return nil
}

// boolean is a bool flag: --tzdata, --tzdata=false.
type boolean struct{ dst *Located[bool] }

func (f boolean) String() string { return strconv.FormatBool(f.dst.V) }
func (f boolean) Type() string   { return "bool" }
func (f boolean) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	*f.dst = Set(v)
	return nil
}

// list is a repeatable flag; with comma, each value is also split at
// commas (--platform a,b). Each entry is checked by check when not nil.
type list struct {
	dst   *Located[[]string]
	comma bool
	check func(string) error
}

func (f list) String() string { return strings.Join(f.dst.V, ",") }
func (f list) Type() string   { return "stringArray" }
func (f list) Set(s string) error {
	items := []string{s}
	if f.comma {
		items = strings.Split(s, ",")
	}
	for _, it := range items {
		if f.check != nil {
			if err := f.check(it); err != nil {
				return err
			}
		}
	}
	f.dst.V = append(f.dst.V, items...)
	f.dst.Set = true
	return nil
}

// keyValues is a repeatable KEY=VALUE flag; a later KEY wins.
type keyValues struct {
	dst *Located[map[string]string]
}

func (f keyValues) String() string { return strings.Join(SortedKV(f.dst.V), ",") }
func (f keyValues) Type() string   { return "KEY=VALUE" }
func (f keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || strings.ContainsAny(k, " \t\n") {
		return errors.New("want KEY=VALUE")
	}
	if f.dst.V == nil {
		f.dst.V = map[string]string{}
	}
	f.dst.V[k], f.dst.Set = v, true
	return nil
}

// naming is a boolean flag that, when true, sets the naming mode: ko's
// --bare, -B and -P. Set records that a flag chose, so that images under
// KO_DOCKER_REPO keep ko's own default otherwise.
type naming struct {
	dst  *Located[string]
	mode string
}

func (n naming) String() string   { return strconv.FormatBool(n.dst.Set && n.dst.V == n.mode) }
func (n naming) Type() string     { return "bool" }
func (n naming) IsBoolFlag() bool { return true }

func (n naming) Set(s string) error {
	on, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	if !on {
		if n.dst.Set && n.dst.V == n.mode {
			*n.dst = Located[string]{}
		}
		return nil
	}
	if n.dst.Set && n.dst.V != n.mode {
		return fmt.Errorf("--bare, --base-import-paths and --preserve-import-paths each name the images differently: pick one")
	}
	*n.dst = Set(n.mode)
	return nil
}

// boolVar defines a flag that may be given without a value.
func boolVar(fs *pflag.FlagSet, dst *Located[bool], name, usage string) {
	fs.Var(boolean{dst}, name, usage)
	fs.Lookup(name).NoOptDefVal = "true"
}

// withDefault defines a flag whose help shows def as its default.
func withDefault(fs *pflag.FlagSet, v pflag.Value, name, def, usage string) {
	fs.Var(v, name, usage)
	fs.Lookup(name).DefValue = def
}
