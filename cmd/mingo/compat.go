package main

import (
	"io"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/internal/progress"
)

// The display and the size report moved to internal/progress. These
// wrappers keep the names the rest of the command calls them by while
// other files change in parallel; inline them once those changes are in.

// display is progress.Display under its former, unexported method names.
type display struct{ *progress.Display }

func newDisplay(w io.Writer, quiet, verbose bool) *display {
	return &display{progress.New(w, quiet, verbose)}
}

func (d *display) set(key, status string, frequent bool) { d.Set(key, status, frequent) }
func (d *display) progress(format string, args ...any)   { d.Logf(format, args...) }
func (d *display) warnf(format string, args ...any)      { d.Warnf(format, args...) }
func (d *display) debugf(format string, args ...any)     { d.Debugf(format, args...) }
func (d *display) finish()                               { d.Finish() }

func humanBytes(n int64) string                    { return progress.Bytes(n) }
func platformKey(e mingo.Event, multi bool) string { return progress.Key(e, multi) }
func stageStatus(e mingo.Event) string             { return progress.Status(e) }

func sizeReport(d *display, images []*mingo.Image, multi bool) {
	d.SizeReport(images, multi)
}

// buildOutput is the --json document, now mingo.Summary.
type buildOutput = mingo.Summary

// describe is mingo.Summarize without a reference: job.describe sets it.
func describe(img *mingo.Image) (*buildOutput, error) { return mingo.Summarize(img, nil) }
