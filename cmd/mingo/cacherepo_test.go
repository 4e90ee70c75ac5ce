package main

import (
	"context"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
)

func TestCacheRepoPrecedence(t *testing.T) {
	for _, tt := range []struct {
		name, flag, env, file, want string
	}{
		{"flag wins", "reg/flag", "reg/env", "reg/file", "reg/flag"},
		{"environment over file", "", "reg/env", "reg/file", "reg/env"},
		{"file", "", "", "reg/file", "reg/file"},
		{"none", "", "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MINGO_CACHE_REPO", tt.env)
			text := "images:\n  - package: ./cmd/hello\n"
			if tt.file != "" {
				text = "cache-repo: " + tt.file + "\n" + text
			}
			path := writeConfig(t, text)
			f := &buildFlags{}
			cmd := &cobra.Command{}
			f.register(cmd.Flags())
			args := []string{"--config", path}
			if tt.flag != "" {
				args = append(args, "--cache-repo", tt.flag)
			}
			if err := cmd.ParseFlags(args); err != nil {
				t.Fatal(err)
			}
			cfg, err := mingo.LoadConfig(context.Background(), f.configPath, f.over.WithEnv())
			if err != nil || cfg.CacheRepo != tt.want {
				t.Errorf("cache repository = %q, %v; want %q", cfg.CacheRepo, err, tt.want)
			}
		})
	}
}
