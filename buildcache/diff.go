package buildcache

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Diff names the parts in which now differs from before, sorted: "file
// example.com/app/main.go", "module golang.org/x/sync v0.19.0 -> v0.20.0",
// "flag 01 -ldflags". Values that are digests are not shown.
func Diff(before, now map[string]string) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(now)) {
		old, ok := before[name]
		switch {
		case !ok:
			out = append(out, name+" (new)")
		case old != now[name]:
			out = append(out, describe(name, old, now[name]))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(before)) {
		if _, ok := now[name]; !ok {
			out = append(out, name+" (gone)")
		}
	}
	return out
}

func describe(name, old, now string) string {
	if strings.HasPrefix(old, "sha256:") || strings.HasPrefix(now, "sha256:") {
		return name
	}
	return fmt.Sprintf("%s %s -> %s", name, shorten(old), shorten(now))
}

func shorten(s string) string {
	if s == "" {
		return `""`
	}
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}
