package build

import (
	"maps"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/config"
)

// applyRuntime adds the user's ports and volumes to the base's and sets
// the stop signal. The config's maps are written with sorted keys, so the
// order they were given in does not reach the digest.
func applyRuntime(c *v1.Config, ic ImageConfig) {
	if len(ic.Expose) > 0 {
		c.ExposedPorts = maps.Clone(c.ExposedPorts)
		if c.ExposedPorts == nil {
			c.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range ic.Expose {
			c.ExposedPorts[p] = struct{}{}
		}
	}
	if len(ic.Volumes) > 0 {
		c.Volumes = maps.Clone(c.Volumes)
		if c.Volumes == nil {
			c.Volumes = map[string]struct{}{}
		}
		for _, v := range ic.Volumes {
			c.Volumes[v] = struct{}{}
		}
	}
	if ic.StopSignal != "" {
		c.StopSignal = ic.StopSignal
	}
}

// checkRuntime validates the ports, volumes and stop signal of c and
// returns c with them in the form the config writes.
func checkRuntime(c ImageConfig) (ImageConfig, error) {
	out := c
	out.Expose = nil
	for _, p := range c.Expose {
		norm, err := config.ParsePort(p)
		if err != nil {
			return c, err
		}
		out.Expose = append(out.Expose, norm)
	}
	for _, v := range c.Volumes {
		if err := config.CheckVolume(v); err != nil {
			return c, err
		}
	}
	if c.StopSignal != "" {
		sig, err := config.ParseSignal(c.StopSignal)
		if err != nil {
			return c, err
		}
		out.StopSignal = sig
	}
	return out, nil
}
