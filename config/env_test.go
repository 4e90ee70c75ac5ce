package config

import "testing"

func TestOverlayKoDockerRepo(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		over      Overlay
		repo      string
		loads     bool
	}{
		{"unset", "", Overlay{}, "", false},
		{"a repository", "reg.example.com/ko", Overlay{}, "reg.example.com/ko", false},
		{"bare tags go under it", "reg.example.com/ko", Overlay{Image: Image{Tags: Set([]string{"v1"})}}, "reg.example.com/ko", false},
		{"a full tag wins", "reg.example.com/ko", Overlay{Image: Image{Tags: Set([]string{"reg.example.com/x:v1"})}}, "", false},
		{"--repo wins", "reg.example.com/ko", Overlay{Repo: Set("reg.example.com/team")}, "", false},
		{"ko.local", "ko.local", Overlay{}, "", true},
		{"ko.local/path", "ko.local/team", Overlay{}, "", true},
		{"ko.local, --repo wins", "ko.local", Overlay{Repo: Set("reg.example.com/team")}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KO_DOCKER_REPO", tc.env)
			if got := tc.over.KoRepo(); got != tc.repo {
				t.Errorf("KoRepo = %q, want %q", got, tc.repo)
			}
			if got := tc.over.KoLoads(); got != tc.loads {
				t.Errorf("KoLoads = %v, want %v", got, tc.loads)
			}
			if got := tc.over.WithEnv().DefaultRepo; got.V != tc.repo || got.Set != (tc.repo != "") {
				t.Errorf("WithEnv().DefaultRepo = %+v, want %q", got, tc.repo)
			}
		})
	}
}

func TestOverlayWithEnvUnderFlags(t *testing.T) {
	t.Setenv("MINGO_CACHE_REPO", "reg.example.com/env")
	t.Setenv("MINGO_DEBUG_TOOLBOX", "reg.example.com/toolbox")
	o := Overlay{}.WithEnv()
	if o.CacheRepo.V != "reg.example.com/env" || o.Image.DebugToolbox.V != "reg.example.com/toolbox" {
		t.Errorf("WithEnv of an empty overlay = %+v, %+v", o.CacheRepo, o.Image.DebugToolbox)
	}
	o = Overlay{CacheRepo: Set("reg.example.com/flag")}.WithEnv()
	if o.CacheRepo.V != "reg.example.com/flag" {
		t.Errorf("WithEnv replaced a set CacheRepo: %+v", o.CacheRepo)
	}
}
