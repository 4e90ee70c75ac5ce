package gotool

import (
	"errors"
	"testing"
)

// Without HOME, the first cache the go command cannot place is named,
// with the variable that would place it.
func TestCheckHome(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want *HomeError
	}{
		{"home", map[string]string{"HOME": "/home/u"}, nil},
		{"nothing", nil, &HomeError{"build cache", "GOCACHE"}},
		{"gocache only", map[string]string{"GOCACHE": "/c"}, &HomeError{"module cache", "GOMODCACHE"}},
		{"xdg only", map[string]string{"XDG_CACHE_HOME": "/x"}, &HomeError{"module cache", "GOMODCACHE"}},
		{"gocache and gopath", map[string]string{"GOCACHE": "/c", "GOPATH": "/p"}, nil},
		{"xdg and gomodcache", map[string]string{"XDG_CACHE_HOME": "/x", "GOMODCACHE": "/m"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"HOME", "GOCACHE", "XDG_CACHE_HOME", "GOMODCACHE", "GOPATH"} {
				t.Setenv(k, tc.env[k])
			}
			err := CheckHome()
			he, ok := errors.AsType[*HomeError](err)
			switch {
			case tc.want == nil && err != nil:
				t.Errorf("CheckHome = %v, want nil", err)
			case tc.want != nil && (!ok || *he != *tc.want):
				t.Errorf("CheckHome = %v, want %+v", err, tc.want)
			}
		})
	}
	want := "HOME is not set, and the go command keeps its build cache under it"
	if got := (&HomeError{"build cache", "GOCACHE"}).Error(); got != want {
		t.Errorf("Error = %q, want %q", got, want)
	}
}
