package layers

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// CABundlePath is where Go (and OpenSSL on Debian) look for CA roots.
const CABundlePath = "/etc/ssl/certs/ca-certificates.crt"

// MozillaRoots returns the Mozilla root set pinned by go.mod
// (golang.org/x/crypto/x509roots/fallback) as a PEM bundle, in the
// bundle's order: the same bytes on every machine. Roots that carry a
// distrust-after constraint are left out: a PEM file cannot express the
// constraint, so including them would trust them without it.
var MozillaRoots = sync.OnceValue(func() []byte {
	var b strings.Builder
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate})
	}
	return []byte(b.String())
})

// ParseCABundle counts the certificates in a PEM bundle. A bundle with none,
// or with a CERTIFICATE block that does not parse, is an error.
func ParseCABundle(pemBytes []byte) (int, error) {
	n := 0
	for block, rest := pem.Decode(pemBytes); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return 0, fmt.Errorf("certificate %d does not parse: %v", n+1, err)
		}
		n++
	}
	if n == 0 {
		return 0, errors.New("holds no valid PEM certificate: give a file of -----BEGIN CERTIFICATE----- blocks")
	}
	return n, nil
}

// CACertEntries returns the CA bundle layer's one file.
func CACertEntries(pemBytes []byte) []Entry {
	return []Entry{bytesEntry(CABundlePath, 0o644, pemBytes)}
}

// bytesEntry is a root-owned file with in-memory content.
func bytesEntry(path string, mode uint32, content []byte) Entry {
	return Entry{
		Path: path,
		Mode: fsMode(mode),
		Size: int64(len(content)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(content))), nil },
	}
}
