package layers

import (
	"errors"
	"fmt"
	"time"
)

// ErrTrimAge is wrapped by ParseTrimAge's error.
var ErrTrimAge = errors.New("not a duration such as 120h, 7d or 0s")

// ParseTrimAge reads the maximum age of a trim asked for now: what
// ParseMaxAge reads, and 0 (as "0s" or "0"), which removes everything
// unused. Unlike a setting, it has no default ("") and cannot be "off".
// The error is the value quoted, wrapping ErrTrimAge.
func ParseTrimAge(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil && d == 0 || s == "0" {
		return 0, nil
	}
	age, err := ParseMaxAge(s)
	if err != nil || age == 0 || s == "" {
		return 0, fmt.Errorf("%q: %w", s, ErrTrimAge)
	}
	return age, nil
}

// TrimPatience is how long TrimSoon keeps trying while builds use the
// cache: each holds it only for a moment, while it looks entries up.
const TrimPatience = 5 * time.Second

// TrimSoon trims as Trim does, retrying for up to patience while the
// cache is busy (ErrBusy), which it returns after that.
func (c *Cache) TrimSoon(maxAge, patience time.Duration) (Usage, error) {
	deadline := time.Now().Add(patience)
	for {
		u, err := c.Trim(time.Now(), maxAge)
		if !errors.Is(err, ErrBusy) || time.Now().After(deadline) {
			return u, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
