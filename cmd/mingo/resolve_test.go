package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// resolve refuses, before reading or building anything, flags that leave
// the references nowhere to point; its help shows a Deployment.
func TestResolveFlags(t *testing.T) {
	yaml := filepath.Join(t.TempDir(), "a.yaml")
	if err := os.WriteFile(yaml, []byte("image: mingo://example.com/app/cmd/api\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"resolve", "--repo", "reg/ns"}, "no documents"},
		{[]string{"resolve", "-f", yaml}, "--repo REGISTRY/NAMESPACE"},
		{[]string{"resolve", "-f", yaml, "--repo", "reg/ns", "--load"}, "pick one"},
		{[]string{"resolve", "-f", yaml, "--repo", "reg/ns", "--push=false"}, "--load"},
		{[]string{"resolve", "-f", yaml, "--repo", "reg/ns", "--json"}, "--json"},
		{[]string{"resolve", "-f", filepath.Join(filepath.Dir(yaml), "missing.yaml"), "--repo", "reg/ns"}, "missing.yaml"},
	} {
		cmd := newRootCommand()
		var out bytes.Buffer
		cmd.SetArgs(tc.args)
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("mingo %s: %v, want an error mentioning %q", strings.Join(tc.args, " "), err, tc.want)
		}
		if out.Len() != 0 {
			t.Errorf("mingo %s wrote %q", strings.Join(tc.args, " "), out.String())
		}
	}
	cmd := newRootCommand()
	var help bytes.Buffer
	cmd.SetArgs([]string{"resolve", "--help"})
	cmd.SetOut(&help)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(help.String(), "kind: Deployment") || !strings.Contains(help.String(), "image: mingo://example.com/app/cmd/api") {
		t.Errorf("resolve --help lacks the example Deployment:\n%s", help.String())
	}
}
