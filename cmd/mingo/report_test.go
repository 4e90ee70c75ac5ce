package main

import (
	"strings"
	"testing"

	"github.com/mingo-build/mingo/internal/build"
)

func TestStageStatusSaysCached(t *testing.T) {
	e := build.Event{Stage: build.Layering, BinarySize: 2048}
	if got := stageStatus(e); got != "layering (binary 2.0 KiB)" {
		t.Errorf("compiled: %q", got)
	}
	e.Cached = true
	if got := stageStatus(e); !strings.Contains(got, "from the cache repository") {
		t.Errorf("from the cache: %q", got)
	}
}

func TestCacheRepoRefPrecedence(t *testing.T) {
	for _, tt := range []struct {
		name, flag, env, file, want string
	}{
		{"flag wins", "reg/flag", "reg/env", "reg/file", "reg/flag"},
		{"environment over file", "", "reg/env", "reg/file", "reg/env"},
		{"file", "", "", "reg/file", "reg/file"},
		{"none", "", "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MINGO_CACHE_REPO", tt.env)
			f := &buildFlags{cacheRepo: tt.flag, fileCacheRepo: tt.file}
			f.changed = func(name string) bool { return name == "cache-repo" && tt.flag != "" }
			if got := f.cacheRepoRef(); got != tt.want {
				t.Errorf("cacheRepoRef() = %q, want %q", got, tt.want)
			}
		})
	}
}
