package config

import (
	"testing"
	"time"
)

func TestDurationValue(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"90s", 90 * time.Second, ""},
		{"2m", 2 * time.Minute, ""},
		{"45", 45 * time.Second, ""},
		{"0", 0, "want a positive duration such as 60s or 2m"},
		{"-1s", 0, "want a positive duration such as 60s or 2m"},
		{"soon", 0, "want a positive duration such as 60s or 2m"},
	} {
		var d time.Duration
		v := DurationValue(&d)
		if v.String() != "" {
			t.Errorf("unset duration shows %q, want no default", v.String())
		}
		err := v.Set(tc.in)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("Set(%q) = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || d != tc.want || v.String() != tc.want.String() {
			t.Errorf("Set(%q) = %v, %v (%q), want %v", tc.in, err, d, v, tc.want)
		}
	}
}

func TestCountValue(t *testing.T) {
	n := 4
	v := CountValue(&n)
	if v.String() != "4" || v.Type() != "int" {
		t.Errorf("count shows %q of type %q", v, v.Type())
	}
	if err := v.Set("2"); err != nil || n != 2 {
		t.Errorf("Set(2) = %v, n = %d", err, n)
	}
	for _, bad := range []string{"0", "-1", "two"} {
		want := `"` + bad + `": want a whole number of at least 1`
		if err := v.Set(bad); err == nil || err.Error() != want || n != 2 {
			t.Errorf("Set(%q) = %v (n = %d), want %q", bad, err, n, want)
		}
	}
}

func TestChoiceValue(t *testing.T) {
	s := "spdx"
	v := ChoiceValue(&s, "spdx", "none")
	if err := v.Set("none"); err != nil || s != "none" || v.String() != "none" {
		t.Errorf("Set(none) = %v, s = %q", err, s)
	}
	if err := v.Set("cyclonedx"); err == nil || err.Error() != "want spdx or none" || s != "none" {
		t.Errorf("Set(cyclonedx) = %v (s = %q), want \"want spdx or none\"", err, s)
	}
}

func TestRegistryTimeout(t *testing.T) {
	for _, tc := range []struct {
		env     string
		given   bool
		flag    time.Duration
		want    time.Duration
		wantErr string
	}{
		{"", false, 0, 0, ""},
		{"", true, 5 * time.Second, 5 * time.Second, ""},
		{"30s", false, 0, 30 * time.Second, ""},
		{"30", false, 0, 30 * time.Second, ""},
		{"30s", true, 5 * time.Second, 5 * time.Second, ""},
		{"soon", true, 5 * time.Second, 5 * time.Second, ""},
		{"soon", false, 0, 0, `MINGO_REGISTRY_TIMEOUT "soon": want a positive duration such as 60s or 2m`},
	} {
		t.Setenv("MINGO_REGISTRY_TIMEOUT", tc.env)
		got, err := RegistryTimeout(tc.given, tc.flag)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("env %q: %v, want %q", tc.env, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("env %q, given %v, flag %v: %v, %v, want %v", tc.env, tc.given, tc.flag, got, err, tc.want)
		}
	}
}
