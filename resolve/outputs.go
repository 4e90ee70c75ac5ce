package resolve

import "errors"

// The errors of CheckOutputs.
var (
	ErrNoOutput      = errors.New("resolve: the images go to no repository and no engine")
	ErrRepoAndEngine = errors.New("resolve: the images go to both a repository and the engine")
	ErrNotPushed     = errors.New("resolve: the images are not pushed to the repository")
)

// CheckOutputs checks where the built images go, so that the references
// in the documents have one place to point at: a repository (repo, when
// push pushes them there) or the local engine (engine; see LocalTag),
// not both. The error is ErrNoOutput, ErrRepoAndEngine or ErrNotPushed.
func CheckOutputs(repo string, engine, push bool) error {
	switch {
	case repo == "" && !engine:
		return ErrNoOutput
	case repo != "" && engine:
		return ErrRepoAndEngine
	case repo != "" && !push:
		return ErrNotPushed
	}
	return nil
}
