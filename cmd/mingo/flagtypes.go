package main

import (
	"time"

	"github.com/mingo-build/mingo/config"
)

// Shims over config's flag values, so that build.go and gocache.go read
// as before until they call config.DurationValue, config.CountValue,
// config.ChoiceValue and config.RegistryTimeout themselves.
type duration struct{ dst *time.Duration }
type count struct{ dst *int }
type choice struct {
	dst   *string
	among []string
}

func (f duration) String() string     { return config.DurationValue(f.dst).String() }
func (f duration) Type() string       { return "duration" }
func (f duration) Set(s string) error { return config.DurationValue(f.dst).Set(s) }
func (f count) String() string        { return config.CountValue(f.dst).String() }
func (f count) Type() string          { return "int" }
func (f count) Set(s string) error    { return config.CountValue(f.dst).Set(s) }
func (f choice) String() string       { return *f.dst }
func (f choice) Type() string         { return "string" }
func (f choice) Set(s string) error   { return config.ChoiceValue(f.dst, f.among...).Set(s) }

var registryTimeout = config.RegistryTimeout
