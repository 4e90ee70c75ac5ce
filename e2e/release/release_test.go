// Package release tests what mingo ships for its users' pipelines and for its
// own releases: the composite GitHub Action (action.yml), the example
// workflow and Makefile under examples/, `mingo build ./examples/...`,
// .goreleaser.yaml and the README's install line: one file each
// (action_test.go and action_run_test.go, examples_makefile_test.go,
// examples_pattern_test.go, goreleaser_test.go, install_line_test.go), and
// helpers_test.go for what they share.
//
// The tools run at pinned versions through the Go module proxy (go run
// module@version, which leaves go.mod alone): actionlint and GoReleaser.
// actionlint checks shell scripts with Debian's shellcheck, installed with
// apt-get when missing and running as root. When something cannot be had,
// the test skips loudly, or fails with CI=true.
//
// The action's run: steps are executed as GitHub runs them (bash --noprofile
// --norc -eo pipefail), with inputs substituted into their env: blocks only,
// against a tarball and against a real registry with TLS and basic auth
// (e2e/internal/harness).
package release

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Pinned tools. GoReleaser v2.17.0 and later need go.digitalxero.dev/go-msix,
// which the module proxy refuses (403), and v2.18 needs Go 1.27.
const (
	actionlintPkg = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"
	goreleaserPkg = "github.com/goreleaser/goreleaser/v2@v2.16.0"
)

// root is the repository root.
var root string

func TestMain(m *testing.M) {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root = filepath.Clean(filepath.Join(wd, "..", ".."))
	os.Exit(m.Run())
}
