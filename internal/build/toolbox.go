package build

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/atomicfile"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/platform"
)

// DefaultToolbox is the image the debug variants take their static busybox
// from, unless the user names their own copy.
const DefaultToolbox = config.DefaultToolbox

// ToolboxDir is where the toolbox goes in a debug variant, as in
// distroless's debug images; PATH is extended with it.
const ToolboxDir = "/busybox"

// applets are the busybox commands linked in ToolboxDir: a shell and what
// one needs to look around a running container. A command the source's
// busybox lacks says so when run.
var applets = []string{
	"[", "[[", "awk", "basename", "cat", "chmod", "chown", "clear", "cp", "cut", "date", "dd", "df",
	"diff", "dirname", "dmesg", "du", "echo", "env", "expr", "false", "find", "free", "grep", "gunzip",
	"gzip", "head", "hexdump", "hostname", "id", "ifconfig", "ip", "kill", "less", "ln", "ls", "md5sum",
	"mkdir", "mktemp", "more", "mv", "nc", "netstat", "nslookup", "od", "ping", "printenv", "printf",
	"ps", "pwd", "readlink", "realpath", "rm", "rmdir", "sed", "seq", "sh", "sha256sum", "sleep", "sort",
	"stat", "strings", "tail", "tar", "tee", "test", "time", "top", "touch", "tr", "true", "uname",
	"uniq", "uptime", "vi", "watch", "wc", "wget", "which", "whoami", "xargs", "zcat",
}

// busyboxPaths are where a toolbox image may hold its static busybox: the
// busybox images' and Debian busybox-static's, and distroless debug's.
var busyboxPaths = []string{"bin/busybox", "busybox/busybox"}

// Toolbox is a resolved toolbox image: the busybox of each platform it
// offers, read on demand.
type Toolbox struct {
	base *baseImage
	mu   sync.Mutex
	bins map[platform.Platform][]byte
}

// ErrNoBusybox is a toolbox image without a busybox where one is looked
// for.
var ErrNoBusybox = errors.New("no busybox at /bin/busybox or /busybox/busybox")

// OpenToolbox resolves the toolbox image ref (default DefaultToolbox) once,
// so that every platform takes its busybox from the same digest.
func OpenToolbox(ctx context.Context, ref string, opts []remote.Option) (*Toolbox, error) {
	if ref == "" {
		ref = DefaultToolbox
	}
	b, err := resolveBase(ctx, ref, opts)
	if err != nil {
		return nil, fmt.Errorf("toolbox: %w", err)
	}
	if b.ref == nil {
		return nil, fmt.Errorf("toolbox %q: %w", ref, ErrBadBase)
	}
	return &Toolbox{base: b}, nil
}

// Ref is the toolbox image pinned by digest.
func (t *Toolbox) Ref() string { return t.base.ref.Context().Digest(t.base.digest.String()).String() }

// Check reports the first platform the toolbox does not offer.
func (t *Toolbox) Check(plats []platform.Platform) error {
	for _, p := range plats {
		_, _, err := t.base.forPlatform(p)
		if missing, ok := errors.AsType[*MissingPlatformError](err); ok {
			missing.Toolbox = true
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Layer is the toolbox layer for p: the platform's static busybox at
// /busybox/busybox and a symlink per applet, owned by root, with the epoch
// as every mtime, so that its digest depends on the busybox alone.
func (t *Toolbox) Layer(ctx context.Context, c *layers.Cache, p platform.Platform, comp layers.Compression) (*layers.Layer, error) {
	if err := t.Check([]platform.Platform{p}); err != nil {
		return nil, err
	}
	bin, err := t.busybox(p, filepath.Join(c.Dir(), layers.ToolboxCacheDir))
	if err != nil {
		return nil, err
	}
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return nil, fmt.Errorf("toolbox %s for %s: busybox is not an ELF binary: %w", t.base.ref, p, err)
	}
	if err := checkStaticELF(f, t.base.ref.String()+" busybox"); err != nil {
		return nil, fmt.Errorf("toolbox for %s: %w", p, err)
	}
	entries := []layers.Entry{{Path: ToolboxDir + "/busybox", Mode: 0o755, Size: int64(len(bin)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(bin)), nil }}}
	for _, a := range applets {
		entries = append(entries, layers.Entry{Path: ToolboxDir + "/" + a, Mode: fs.ModeSymlink | 0o777, Linkname: "busybox"})
	}
	return layers.BuildContext(ctx, c, entries, layers.Options{Compression: comp})
}

// busybox is p's busybox, read once: from the cache directory dir when an
// earlier build kept it there, otherwise out of the toolbox image, and
// then kept in dir.
func (t *Toolbox) busybox(p platform.Platform, dir string) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b, ok := t.bins[p]; ok {
		return b, nil
	}
	img, digest, err := t.base.forPlatform(p)
	if err != nil {
		return nil, err
	}
	b := cachedBusybox(dir, digest)
	if b == nil {
		if b, err = busybox(img); err != nil {
			return nil, fmt.Errorf("toolbox %s for %s: %w", t.base.ref, p, err)
		}
		keepBusybox(dir, digest, b)
	}
	if t.bins == nil {
		t.bins = map[platform.Platform][]byte{}
	}
	t.bins[p] = b
	return b, nil
}

// cachedBusybox is the busybox kept in dir for the platform image whose
// digest is img, or nil. A file is named by that digest (a toolbox image
// is pinned, so what it holds never changes) and its own checksum; one
// whose bytes do not match is removed and missed. A hit is marked used, so
// that trimming by age keeps it.
func cachedBusybox(dir string, img v1.Hash) []byte {
	matches, _ := filepath.Glob(filepath.Join(dir, img.Hex+"-*"))
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		if sum := sha256.Sum256(b); filepath.Base(m) == img.Hex+"-"+hex.EncodeToString(sum[:]) {
			now := time.Now()
			_ = os.Chtimes(m, now, now)
			return b
		}
		os.Remove(m)
	}
	return nil
}

// keepBusybox keeps b, read out of the platform image img, in dir. It is
// only a cache: failing to write it costs the next build a download.
func keepBusybox(dir string, img v1.Hash, b []byte) {
	sum := sha256.Sum256(b)
	if os.MkdirAll(dir, 0o755) == nil {
		_ = atomicfile.WriteFile(filepath.Join(dir, img.Hex+"-"+hex.EncodeToString(sum[:])), b, 0o644)
	}
}

// busyboxVersion matches the version a busybox binary announces.
var busyboxVersion = regexp.MustCompile(`BusyBox v([0-9][0-9A-Za-z.+~-]*)`)

// Version is the version p's busybox announces ("1.35.0"), or "" when it
// has none or was not read.
func (t *Toolbox) Version(p platform.Platform) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m := busyboxVersion.FindSubmatch(t.bins[p]); m != nil {
		return string(m[1])
	}
	return ""
}

// busybox reads the busybox binary out of img's flattened file system,
// following one hard link or symlink to it (in the busybox images,
// bin/busybox may be a hard link to another applet's file).
func busybox(img v1.Image) ([]byte, error) {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	links, files := map[string]string{}, map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		name := path.Clean(h.Name)
		switch {
		case h.Typeflag == tar.TypeLink:
			links[name] = path.Clean(h.Linkname)
		case h.Typeflag == tar.TypeSymlink:
			links[name] = path.Clean(path.Join(path.Dir(name), h.Linkname))
		case h.Typeflag == tar.TypeReg && (path.Dir(name) == "bin" || path.Dir(name) == "busybox") && h.Size > 64<<10 && h.Size < 64<<20:
			if files[name], err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		}
	}
	for _, want := range busyboxPaths {
		if b, ok := files[want]; ok {
			return b, nil
		}
		if b, ok := files[strings.TrimPrefix(links[want], "/")]; ok {
			return b, nil
		}
	}
	return nil, ErrNoBusybox
}
