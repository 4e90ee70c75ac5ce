package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/publish"
)

// Library errors carry facts; the command adds the fix, naming the flag.
func TestAdvise(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{fmt.Errorf("building x for linux/amd64: %w", &build.DynamicError{Needs: "libc.so.6"}), []string{"libc.so.6", "--ldflags", "-linkmode=external"}},
		{&build.MissingPlatformError{Base: "reg/base", Platform: "linux/arm/v7", Offers: []string{"linux/amd64"}}, []string{"it offers linux/amd64", "--platform", "--base"}},
		{&publish.RegistryError{Registry: "reg", Repository: "reg/app", Problem: publish.Unauthorized, Err: errors.New("401")}, []string{"rejected the credentials", "mingo login reg"}},
		{&publish.TagError{Ref: "reg/API", Err: errors.New("bad")}, []string{"invalid --tag", "reg/API"}},
		{fmt.Errorf("writing: %w", publish.ErrNotLayout), []string{"--oci-layout", "not an OCI layout"}},
		{&mingo.OutputError{Output: "SBOMDir", Path: "/no/sboms", Err: fmt.Errorf("/no: %w", mingo.ErrNoDir)}, []string{"--sbom-dir /no/sboms: directory /no does not exist: create it"}},
		{&mingo.OutputError{Output: "Tarball", Path: "/tmp", Err: publish.ErrIsDir}, []string{"--tarball /tmp: is a directory: give a file name"}},
		{&mingo.OutputError{Output: "Layout", Path: "src", Err: publish.ErrNotLayout}, []string{"--oci-layout src: exists and is not an OCI layout: choose a new or empty directory"}},
		{&publish.DaemonError{Host: "unix:///run/x.sock", Problem: publish.EngineUnreachable, Err: errors.New("connect: no such file")}, []string{"unix:///run/x.sock", "start Docker", "DOCKER_HOST"}},
		{&publish.DaemonError{Host: "unix:///run/x.sock", Problem: publish.EnginePermissionDenied, Err: errors.New("permission denied")}, []string{"unix:///run/x.sock", "join the group"}},
		{&publish.DaemonError{Host: "unix:///run/x.sock", Problem: publish.EngineRefused, Err: errors.New("bad archive")}, []string{"bad archive", "refused the images"}},
		{&publish.DaemonError{Host: "unix:///run/x.sock", Problem: publish.EngineStopped, Err: errors.New("write: broken pipe")}, []string{"broken pipe", "runs but stopped answering", "--registry-timeout"}},
		{&publish.RegistryError{Registry: "reg", Repository: "reg/app", Err: errors.New(`UNKNOWN: unknown error (Enclosed.Err="no space left on device")`)}, []string{"no space left on device", "storage is full"}},
	} {
		got := advise(tc.err).Error()
		if de, ok := tc.err.(*publish.DaemonError); ok && de.Problem == publish.EngineStopped && strings.Contains(got, "start Docker") {
			t.Errorf("advise(%v) = %q: the engine runs", tc.err, got)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("advise(%v) = %q, want it to mention %q", tc.err, got, w)
			}
		}
		if !errors.Is(advise(tc.err), tc.err) {
			t.Errorf("advise(%v) lost the error chain", tc.err)
		}
	}
}
