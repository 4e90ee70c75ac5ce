package config

import (
	"reflect"
	"testing"
)

func TestMerge(t *testing.T) {
	file := Image{
		Line:    2,
		Package: Located[string]{V: "./cmd/api", Line: 2, Set: true},
		Base:    Located[string]{V: "scratch", Line: 3, Set: true},
		Env:     Located[map[string]string]{V: map[string]string{"A": "1", "B": "1"}, Line: 4, Set: true},
		Expose:  Located[[]string]{V: []string{"80"}, Line: 5, Set: true},
		Passwd:  Located[bool]{V: true, Line: 6, Set: true},
	}
	over := Image{
		Env:    Set(map[string]string{"B": "2"}),
		Expose: Set([]string{"8080"}),
		Passwd: Set(false),
		Labels: Set(map[string]string{"x": "y"}),
	}
	got := Merge(file, over)
	if got.Base != file.Base || got.Package != file.Package || got.Line != 2 {
		t.Errorf("values the overlay leaves alone changed: %+v", got)
	}
	if !reflect.DeepEqual(got.Env, Located[map[string]string]{V: map[string]string{"A": "1", "B": "2"}, Line: 4, Set: true}) {
		t.Errorf("env = %+v, want the maps merged, the overlay winning", got.Env)
	}
	if got.Expose.Line != 0 || !reflect.DeepEqual(got.Expose.V, []string{"8080"}) || got.Passwd.V {
		t.Errorf("expose %+v passwd %+v: want the overlay's, with no line", got.Expose, got.Passwd)
	}
	if !reflect.DeepEqual(got.Labels.V, map[string]string{"x": "y"}) {
		t.Errorf("labels = %+v", got.Labels)
	}
	if file.Env.V["B"] != "1" {
		t.Error("Merge changed the file's map")
	}
}
