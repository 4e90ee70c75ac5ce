package platform

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Platform
		env     []string
		wantErr string
	}{
		{in: "linux/amd64", want: Platform{"linux", "amd64", ""}, env: []string{"GOOS=linux", "GOARCH=amd64"}},
		{in: "linux/amd64/v3", want: Platform{"linux", "amd64", "v3"}, env: []string{"GOOS=linux", "GOARCH=amd64", "GOAMD64=v3"}},
		{in: "linux/arm64", want: Platform{"linux", "arm64", ""}, env: []string{"GOOS=linux", "GOARCH=arm64"}},
		{in: "linux/arm64/v8", want: Platform{"linux", "arm64", ""}, env: []string{"GOOS=linux", "GOARCH=arm64"}},
		{in: "linux/arm64/v9", want: Platform{"linux", "arm64", "v9"}, env: []string{"GOOS=linux", "GOARCH=arm64", "GOARM64=v9.0"}},
		{in: "linux/arm/v6", want: Platform{"linux", "arm", "v6"}, env: []string{"GOOS=linux", "GOARCH=arm", "GOARM=6"}},
		{in: "linux/arm/v7", want: Platform{"linux", "arm", "v7"}, env: []string{"GOOS=linux", "GOARCH=arm", "GOARM=7"}},
		{in: "linux/arm", want: Platform{"linux", "arm", "v7"}, env: []string{"GOOS=linux", "GOARCH=arm", "GOARM=7"}},
		{in: " linux/s390x ", want: Platform{"linux", "s390x", ""}, env: []string{"GOOS=linux", "GOARCH=s390x"}},
		{in: "linux/riscv64", want: Platform{"linux", "riscv64", ""}, env: []string{"GOOS=linux", "GOARCH=riscv64"}},
		{in: "linux", wantErr: "want os/arch[/variant]"},
		{in: "linux/amd64/v3/x", wantErr: "want os/arch[/variant]"},
		{in: "linux/", wantErr: "want os/arch[/variant]"},
		{in: "plan9/amd64", wantErr: "mingo builds Linux images"},
		{in: "linux/sparc", wantErr: "Go cannot target linux/sparc"},
		{in: "linux/arm/v9", wantErr: "arm takes one of v7, v5, v6"},
		{in: "linux/amd64/v5", wantErr: "amd64 takes one of v1, v2, v3, v4"},
		{in: "linux/386/v2", wantErr: "386 takes no variant"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if env := got.Env(); !slices.Equal(env, tt.env) {
				t.Errorf("Parse(%q).Env() = %v, want %v", tt.in, env, tt.env)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	got, err := ParseList(Default)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].String() != "linux/amd64" || got[1].String() != "linux/arm64" {
		t.Errorf("ParseList(Default) = %v", got)
	}
	for in, wantErr := range map[string]string{
		"":                           "empty platform list",
		"linux/amd64,linux/amd64":    "listed twice",
		"linux/arm64,linux/arm64/v8": "listed twice",
		"linux/arm,linux/arm/v7":     "listed twice",
		"linux/amd64,,linux/arm64":   "invalid platform",
		"linux/amd64,darwin/arm64":   "mingo builds Linux images",
		"linux/amd64, linux/arm64":   "without spaces",
		"linux/amd64,":               "invalid platform list",
		"linux/amd64/":               "invalid platform",
		"linux//amd64":               "invalid platform",
	} {
		if _, err := ParseList(in); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("ParseList(%q) error = %v, want one containing %q", in, err, wantErr)
		}
	}
}

func TestOCIAndString(t *testing.T) {
	p, err := Parse("linux/arm/v7")
	if err != nil {
		t.Fatal(err)
	}
	if s := p.String(); s != "linux/arm/v7" {
		t.Errorf("String() = %q", s)
	}
	o := p.OCI()
	if o.OS != "linux" || o.Architecture != "arm" || o.Variant != "v7" {
		t.Errorf("OCI() = %+v", o)
	}
	if !p.Matches("linux", "arm", "") || !p.Matches("linux", "arm", "v7") || p.Matches("linux", "arm", "v6") {
		t.Error("Matches does not treat an absent arm variant as v7")
	}
}
