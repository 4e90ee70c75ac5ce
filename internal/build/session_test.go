package build

import (
	"runtime"
	"testing"
)

// A binary layer hashes aside only while no go build runs and fewer
// layers than processors are written, itself included; a layer that ends
// gives its processor back.
func TestSpare(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	s := &session{}
	first, doneFirst := s.spare()
	if !first {
		t.Error("one layer alone on two processors: not spare")
	}
	second, doneSecond := s.spare()
	if second {
		t.Error("a second layer on two processors: spare")
	}
	doneSecond()
	doneFirst()
	s.building.Add(1)
	if aside, done := s.spare(); aside {
		t.Error("a layer while a go build runs: spare")
	} else {
		done()
	}
	s.building.Add(-1)
	if aside, done := s.spare(); !aside {
		t.Error("after the go build and the other layers ended: not spare")
	} else {
		done()
	}
	if n := s.layering.Load(); n != 0 {
		t.Errorf("%d layers still counted", n)
	}
}
