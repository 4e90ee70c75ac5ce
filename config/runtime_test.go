package config

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePort(t *testing.T) {
	for in, want := range map[string]string{"8080": "8080/tcp", "53/udp": "53/udp", "443/TCP": "443/tcp", "1": "1/tcp", "65535/sctp": "65535/sctp"} {
		if got, err := ParsePort(in); err != nil || got != want {
			t.Errorf("ParsePort(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"99999", "0", "-1", "http", "80/icmp", "", "080", "80/"} {
		_, err := ParsePort(in)
		if !errors.Is(err, ErrBadPort) {
			t.Errorf("ParsePort(%q) = %v, want ErrBadPort", in, err)
		}
	}
	if _, err := ParsePort("99999"); err == nil || !strings.Contains(err.Error(), "1-65535") || !strings.Contains(err.Error(), "99999") {
		t.Errorf("ParsePort(99999) = %v, want it to name the port and the range", err)
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]string{"SIGTERM": "SIGTERM", "term": "SIGTERM", "SIGQUIT": "SIGQUIT", "9": "9", "SIGRTMIN+3": "SIGRTMIN+3"} {
		if got, err := ParseSignal(in); err != nil || got != want {
			t.Errorf("ParseSignal(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"SIGFOO", "0", "65", "", "SIGRTMIN+99"} {
		if _, err := ParseSignal(in); !errors.Is(err, ErrBadSignal) {
			t.Errorf("ParseSignal(%q) = %v, want ErrBadSignal", in, err)
		}
	}
}

func TestCheckVolume(t *testing.T) {
	if err := CheckVolume("/data"); err != nil {
		t.Error(err)
	}
	for _, in := range []string{"data", "/data/", "/", "/a/../b", ""} {
		if err := CheckVolume(in); !errors.Is(err, ErrBadVolume) {
			t.Errorf("CheckVolume(%q) = %v, want ErrBadVolume", in, err)
		}
	}
}

// Ports, volumes and the stop signal reach the config; a bad port fails
// the build before anything is compiled.
