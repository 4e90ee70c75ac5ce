package main

import (
	"strings"
	"testing"

	"github.com/mingo-build/mingo/builder"
)

func TestStageStatusSaysCached(t *testing.T) {
	e := builder.Event{Stage: builder.Layering, BinarySize: 2048}
	if got := stageStatus(e); got != "layering (binary 2.0 KiB)" {
		t.Errorf("compiled: %q", got)
	}
	e.Cached = true
	if got := stageStatus(e); !strings.Contains(got, "from the cache repository") {
		t.Errorf("from the cache: %q", got)
	}
}
