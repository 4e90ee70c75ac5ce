package layers

import (
	"errors"
	"testing"
	"time"
)

func TestParseTrimAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "0s": 0, "7d": 7 * 24 * time.Hour, "120h": 120 * time.Hour} {
		if got, err := ParseTrimAge(in); err != nil || got != want {
			t.Errorf("ParseTrimAge(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "off", "-1h", "0d"} {
		if _, err := ParseTrimAge(in); !errors.Is(err, ErrTrimAge) {
			t.Errorf("ParseTrimAge(%q) = %v, want ErrTrimAge", in, err)
		}
	}
	if _, err := ParseTrimAge("soon"); err == nil || err.Error() != `"soon": not a duration such as 120h, 7d or 0s` {
		t.Errorf("ParseTrimAge(soon) = %v", err)
	}
}

// TestTrimSoon: a trim waits for a run that holds the cache for a moment,
// and gives up with ErrBusy on one that holds it longer than its patience.
func TestTrimSoon(t *testing.T) {
	c := mustCache(t)
	release := c.Use()
	if _, err := c.TrimSoon(0, 50*time.Millisecond); !errors.Is(err, ErrBusy) {
		t.Errorf("TrimSoon while a run holds the cache: %v, want ErrBusy", err)
	}
	time.AfterFunc(50*time.Millisecond, release)
	if _, err := c.TrimSoon(0, 5*time.Second); err != nil {
		t.Errorf("TrimSoon after the run let go: %v", err)
	}
}
