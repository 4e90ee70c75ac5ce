package layers

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// CABundlePath is where the CA layer puts its PEM bundle: the path Go's
// crypto/x509 tries first on Linux, and where Debian's OpenSSL looks too.
const CABundlePath = "/etc/ssl/certs/ca-certificates.crt"

// MozillaRoots returns the Mozilla (NSS) root set pinned by go.mod, from
// golang.org/x/crypto/x509roots/fallback/bundle, as a PEM bundle in the
// bundle's order. The bytes depend only on that module's version, so the CA
// layer has the same digest on every machine. The result is computed once;
// callers must not modify it.
func MozillaRoots() []byte { return mozillaRoots() }

var mozillaRoots = sync.OnceValue(func() []byte {
	pemBytes, _, _ := encodeRoots()
	return pemBytes
})

// encodeRoots returns the PEM of the unconstrained roots, and how many roots
// were kept and left out.
//
// Roots with a Constraint (today a distrust-after date: certificates the
// CA issued after it are no longer trusted) are left out. A PEM bundle has
// no way to carry that constraint, so a program reading the file would
// trust such a root for everything it ever signed, which is more than
// Mozilla trusts it for.
func encodeRoots() (pemBytes []byte, kept, excluded int) {
	var b bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			excluded++
			continue
		}
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate}))
		kept++
	}
	return b.Bytes(), kept, excluded
}

// ParseCABundle returns how many X.509 certificates the PEM bundle holds.
// Blocks of other types (keys, parameters) are skipped. It is an error when
// a CERTIFICATE block does not parse (the error gives the block's number,
// counting every PEM block from 1) or when there is no certificate at all.
func ParseCABundle(pemBytes []byte) (int, error) {
	n, blockNum := 0, 0
	for rest := pemBytes; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		blockNum++
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return 0, fmt.Errorf("PEM block %d (CERTIFICATE) does not parse: %w", blockNum, err)
		}
		n++
	}
	if n == 0 {
		return 0, errors.New("holds no valid PEM certificate: give a file of -----BEGIN CERTIFICATE----- blocks")
	}
	return n, nil
}

// CACertEntries returns the CA layer: pemBytes as CABundlePath, mode 0644,
// owned by root.
func CACertEntries(pemBytes []byte) []Entry {
	return []Entry{bytesEntry(CABundlePath, 0o644, pemBytes)}
}

// bytesEntry is a root-owned regular file with in-memory content.
func bytesEntry(path string, perm fs.FileMode, content []byte) Entry {
	return Entry{
		Path: path,
		Mode: perm.Perm(),
		Size: int64(len(content)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(content)), nil },
	}
}
