package gotool

import "os"

// HomeError is a go command that cannot run for want of HOME: it keeps
// Cache ("build cache" or "module cache") under HOME unless Var (GOCACHE
// or GOMODCACHE) says where.
type HomeError struct {
	Cache, Var string
}

func (e *HomeError) Error() string {
	return "HOME is not set, and the go command keeps its " + e.Cache + " under it"
}

// CheckHome reports, before a build starts, a go command that cannot run:
// without HOME it has no build cache (unless GOCACHE or XDG_CACHE_HOME
// says where) and no module cache (unless GOMODCACHE or GOPATH does).
// It returns a *HomeError, or nil.
func CheckHome() error {
	if os.Getenv("HOME") != "" {
		return nil
	}
	if os.Getenv("GOCACHE") == "" && os.Getenv("XDG_CACHE_HOME") == "" {
		return &HomeError{Cache: "build cache", Var: "GOCACHE"}
	}
	if os.Getenv("GOMODCACHE") == "" && os.Getenv("GOPATH") == "" {
		return &HomeError{Cache: "module cache", Var: "GOMODCACHE"}
	}
	return nil
}
