package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The flag types below parse and check the values of the flags that set
// no mingo.yaml key (those are config.Overlay.AddFlags's), so that a bad
// value fails before anything runs.

// duration is a positive Go duration (90s, 2m) or a number of seconds.
type duration struct{ dst *time.Duration }

func (f duration) String() string { return "" }
func (f duration) Type() string   { return "duration" }
func (f duration) Set(s string) error {
	d, err := parseTimeout(s)
	*f.dst = d
	return err
}

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

// registryTimeout is --registry-timeout when given, else
// MINGO_REGISTRY_TIMEOUT when set, else flag (0: the default).
func registryTimeout(given bool, flag time.Duration) (time.Duration, error) {
	v := os.Getenv("MINGO_REGISTRY_TIMEOUT")
	if given || v == "" {
		return flag, nil
	}
	d, err := parseTimeout(v)
	if err != nil {
		return 0, fmt.Errorf("MINGO_REGISTRY_TIMEOUT %q: %w", v, err)
	}
	return d, nil
}

// count is an integer of at least 1.
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

// choice is one of a fixed set of words.
type choice struct {
	dst   *string
	among []string
}

func (f choice) String() string { return *f.dst }
func (f choice) Type() string   { return "string" }
func (f choice) Set(s string) error {
	for _, c := range f.among {
		if s == c {
			*f.dst = s
			return nil
		}
	}
	return fmt.Errorf("want %s", strings.Join(f.among, " or "))
}
