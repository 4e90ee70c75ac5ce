package main

import (
	"context"
	"errors"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/publish"
)

// isMulti reports whether the command line names packages in the plural
// (several arguments, or a ./... pattern): output is then one line per
// image, and --json an array, however many packages matched.
func isMulti(patterns []string) bool {
	return len(patterns) > 1 || len(patterns) == 1 && strings.Contains(patterns[0], "...")
}

// checkNames refuses, before any build, flags that name no image or
// several images alike.
func (f *buildFlags) checkNames(multi bool) error {
	if f.repo != "" {
		return nil
	}
	switch {
	case multi && len(f.tags) > 0:
		return errors.New("-t names one image, and the packages given are several: use --repo REGISTRY/NAMESPACE to name each image after its binary, with bare -t tags")
	case multi && f.push:
		return errors.New("nothing to push to: give --repo REGISTRY/NAMESPACE to push each package as REGISTRY/NAMESPACE/<binary>, or --push=false")
	case f.push && len(f.tags) == 0:
		return errors.New("nothing to push to: give --tag registry/repository:tag, or --push=false to only build (with --tarball FILE or --oci-layout DIR to keep the result)")
	case f.insecure && len(f.tags) == 0:
		return errors.New("--insecure-registry applies to the registries in --tag, and no --tag was given")
	}
	return nil
}

func targetTags(targets []build.Target) []name.Tag {
	var out []name.Tag
	for _, t := range targets {
		out = append(out, t.Tags...)
	}
	return out
}

func imageTags(images []*mingo.Image) []name.Tag {
	var out []name.Tag
	for _, img := range images {
		out = append(out, img.Tags...)
	}
	return out
}

// loggedOutput reports a local output once it is written.
type loggedOutput struct {
	publish.Interface
	log  *display
	done string
}

func logged(o publish.Interface, log *display, done string) publish.Interface {
	return &loggedOutput{o, log, done}
}

func (l *loggedOutput) Publish(ctx context.Context, images []*build.Result) ([]name.Reference, error) {
	refs, err := l.Interface.Publish(ctx, images)
	if err == nil {
		l.log.progress("%s", l.done)
	}
	return refs, err
}
