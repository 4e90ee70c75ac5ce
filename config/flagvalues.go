package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

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
		return fmt.Errorf("another flag already names the images %s: the naming modes exclude each other, pick one", n.dst.V)
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

// DurationValue is a flag value that sets *dst to a positive Go duration
// (90s, 2m) or a number of seconds. Its default shows as none while *dst
// is 0, so that the flag's usage says what 0 means.
func DurationValue(dst *time.Duration) pflag.Value { return duration{dst} }

type duration struct{ dst *time.Duration }

func (f duration) String() string {
	if *f.dst == 0 {
		return ""
	}
	return f.dst.String()
}
func (f duration) Type() string { return "duration" }
func (f duration) Set(s string) error {
	d, err := parseTimeout(s)
	*f.dst = d
	return err
}

// parseTimeout reads a positive Go duration or a number of seconds.
func parseTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if n, nerr := strconv.Atoi(s); err != nil && nerr == nil {
		d, err = time.Duration(n)*time.Second, nil
	}
	if err != nil || d <= 0 {
		return 0, errors.New("want a positive duration such as 60s or 2m")
	}
	return d, nil
}

// CountValue is a flag value that sets *dst to an integer of at least 1.
func CountValue(dst *int) pflag.Value { return count{dst} }

type count struct{ dst *int }

func (f count) String() string { return strconv.Itoa(*f.dst) }
func (f count) Type() string   { return "int" }
func (f count) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return fmt.Errorf("%q: want a whole number of at least 1", s)
	}
	*f.dst = n
	return nil
}

// ChoiceValue is a flag value that sets *dst to one of the words among.
func ChoiceValue(dst *string, among ...string) pflag.Value { return choice{dst, among} }

type choice struct {
	dst   *string
	among []string
}

func (f choice) String() string { return *f.dst }
func (f choice) Type() string   { return "string" }
func (f choice) Set(s string) error {
	if !slices.Contains(f.among, s) {
		return fmt.Errorf("want %s", strings.Join(f.among, " or "))
	}
	*f.dst = s
	return nil
}
