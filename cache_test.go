package mingo_test

import (
	"testing"

	"github.com/mingo-build/mingo"
)

// OpenCache opens $MINGO_CACHE; an empty cache trims and cleans to nothing.
func TestOpenCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("MINGO_CACHE", dir)
	c, err := mingo.OpenCache()
	if err != nil {
		t.Fatal(err)
	}
	if c.Dir() != dir {
		t.Errorf("Dir() = %s, want %s", c.Dir(), dir)
	}
	if u, err := c.Trim(0); err != nil || u != (mingo.CacheUsage{}) {
		t.Errorf("Trim(0) of an empty cache = %+v, %v", u, err)
	}
	if u, err := c.Clean(); err != nil || u != (mingo.CacheUsage{}) {
		t.Errorf("Clean() of an empty cache = %+v, %v", u, err)
	}
	if u, err := c.Usage(); err != nil || u.Bytes != 0 {
		t.Errorf("Usage() of an empty cache = %+v, %v", u, err)
	}
}
