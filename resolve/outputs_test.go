package resolve

import "testing"

// The references point at one place: a repository pushed to, or the
// engine.
func TestCheckOutputs(t *testing.T) {
	for _, tc := range []struct {
		repo         string
		engine, push bool
		want         error
	}{
		{"reg/ns", false, true, nil},
		{"", true, true, nil},
		{"", true, false, nil},
		{"", false, true, ErrNoOutput},
		{"reg/ns", true, true, ErrRepoAndEngine},
		{"reg/ns", false, false, ErrNotPushed},
	} {
		if got := CheckOutputs(tc.repo, tc.engine, tc.push); got != tc.want {
			t.Errorf("CheckOutputs(%q, %v, %v) = %v, want %v", tc.repo, tc.engine, tc.push, got, tc.want)
		}
	}
}
