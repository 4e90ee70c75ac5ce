package layers

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/mingo-build/mingo/internal/atomicfile"
)

// Layers this machine built itself, recorded under a caller's key (a
// compile key) apart from the ones Import took from elsewhere: a build
// trusts what it made over anything a shared cache offers, so it looks
// these up first and never lets an imported layer stand in for them.

// Remember records l, a layer of c, under key as one this machine built.
func (c *Cache) Remember(key string, l *Layer) error {
	if !validImportKey(key) {
		return fmt.Errorf("recording a built layer: invalid key %q", key)
	}
	defer c.shared()()
	rel := filepath.Join("keys", "built-"+key)
	if _, err := c.claim(rel, c.rel(l.path)); err != nil {
		return err
	}
	meta, err := json.Marshal(record{Digest: l.digest.String(), DiffID: l.diffID.String(), Size: l.size})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(c.dir, rel), meta, 0o644)
}

// Built returns the layer compressed with comp that Remember recorded
// under key, or nil.
func (c *Cache) Built(key string, comp Compression) *Layer {
	if !validImportKey(key) {
		return nil
	}
	return c.lookupUsed("built-"+key, comp)
}
