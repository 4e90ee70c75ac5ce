// Package sign signs images and attaches in-toto attestations in the format
// of cosign v2 (github.com/sigstore/cosign/v2), so that the stock cosign CLI
// verifies them:
//
//	cosign verify --key cosign.pub --insecure-ignore-tlog=true IMAGE
//	cosign verify-attestation --key cosign.pub --insecure-ignore-tlog=true --type spdxjson IMAGE
//
// Signatures go to the tag sha256-<hex>.sig and attestations (DSSE envelopes)
// to sha256-<hex>.att in the image's own repository, the places cosign looks
// by default. Signing uses a cosign key pair (GenerateKeyPair, LoadKey) or,
// keylessly, a short-lived Fulcio certificate for an OIDC identity (Keyless).
// Keyless signatures, and key signatures from a signer made
// WithTransparencyLog, are recorded in a Rekor transparency log and carry
// its bundle, so that cosign verifies them without --insecure-ignore-tlog;
// other key signatures use no network besides the registry, and verifiers
// pass --insecure-ignore-tlog=true. COSIGN_REPOSITORY (storing signatures in
// another repository) is not supported. Lend lends a signer to a child
// process that cannot open the key (SocketSigner signs there).
//
// The formats (the encrypted key file, simple signing, DSSE, the signature
// images, Rekor's entries and bundles) are written here rather than through
// cosign's and sigstore's libraries, which would bring some 400 packages
// (Rekor's generated clients, gRPC, OpenTelemetry, TUF) into mingo's build;
// only cosign's in-toto statement generator is imported. The tests check
// every format with those libraries, and the end-to-end tests with the
// cosign CLI.
package sign

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/in-toto/in-toto-golang/in_toto"
	slsa02 "github.com/in-toto/in-toto-golang/in_toto/slsa_provenance/v0.2"
	slsa1 "github.com/in-toto/in-toto-golang/in_toto/slsa_provenance/v1"
	"github.com/sigstore/cosign/v2/pkg/cosign/attestation"
)

// File names written by GenerateKeyPair, the same as `cosign generate-key-pair`.
const (
	PrivateKeyFile = "cosign.key"
	PublicKeyFile  = "cosign.pub"
)

// PasswordEnv is the environment variable the cosign CLI (and mingo) reads
// the private key's password from.
const PasswordEnv = "COSIGN_PASSWORD"

// ErrWrongPassword is returned (wrapped) by LoadKey when the private key
// cannot be decrypted with the given password.
var ErrWrongPassword = errors.New("wrong password for the cosign private key")

// ErrNoKeyless is returned (wrapped) by Keyless when no OIDC identity token
// can be had, without which keyless signing is impossible.
var ErrNoKeyless = errors.New("keyless signing (Fulcio certificate + Rekor transparency log) needs an OIDC identity token")

// Signer signs images and attestations, with a cosign private key (LoadKey)
// or keylessly (Keyless). It is safe for concurrent use.
type Signer struct {
	sv   *keySigner // key-based signers
	kl   *keyless   // keyless signers
	tlog *rekorLog  // nil: no transparency log entries
}

// WithTransparencyLog returns a key-based signer like s that also records
// every signature and attestation in the Rekor log at rekorURL
// (DefaultRekorURL when empty), reached through hc (a default client when
// nil), and attaches the Rekor bundle so that `cosign verify --key` checks
// it without --insecure-ignore-tlog. It fails when the log does not answer.
// Keyless signers always record their signatures.
func (s *Signer) WithTransparencyLog(ctx context.Context, rekorURL string, hc *http.Client) (*Signer, error) {
	l, err := newRekorLog(ctx, rekorURL, hc)
	if err != nil {
		return nil, err
	}
	c := *s
	c.tlog = l
	return &c, nil
}

// tlogAnnotations returns the layer annotations that attach to a signature
// or attestation the certificate of a keyless signer and, when s records in
// a transparency log, the Rekor bundle of the entry that record makes for
// the PEM certificate or public key.
func (s *Signer) tlogAnnotations(kc *keylessCert, record func(pemBytes []byte) (*rekorBundle, error)) (map[string]string, error) {
	ann := map[string]string{}
	var pemBytes []byte
	if kc != nil {
		ann[certificateAnnotation] = string(kc.certPEM)
		ann[chainAnnotation] = string(kc.chainPEM)
		pemBytes = kc.certPEM
	}
	if s.tlog == nil {
		return ann, nil
	}
	if pemBytes == nil {
		var err error
		if pemBytes, err = s.PublicKeyPEM(); err != nil {
			return nil, fmt.Errorf("sign: %w", err)
		}
	}
	b, err := record(pemBytes)
	if err != nil {
		return nil, err
	}
	j, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	ann[bundleAnnotation] = string(j)
	return ann, nil
}

// signer returns the key to sign with and, for a keyless Signer, its
// certificate.
func (s *Signer) signer(ctx context.Context) (*keySigner, *keylessCert, error) {
	if s.kl == nil {
		return s.sv, nil, nil
	}
	c, err := s.kl.current(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c.sv, c, nil
}

// GenerateKeyPair writes cosign.key (an ECDSA P-256 private key encrypted
// with password, in cosign's "ENCRYPTED SIGSTORE PRIVATE KEY" PEM format,
// mode 0600) and cosign.pub (the PEM public key, mode 0644) into dir, which
// is created if needed. It refuses to overwrite existing files: if either
// file exists, it returns an error wrapping fs.ErrExist and writes nothing.
// An empty password is allowed, as with cosign.
func GenerateKeyPair(dir string, password []byte) error {
	keyPath := filepath.Join(dir, PrivateKeyFile)
	pubPath := filepath.Join(dir, PublicKeyFile)
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("sign: %s already exists, not overwriting it: %w", p, fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sign: %w", err)
		}
	}
	pass := bytes.Clone(password)
	if pass == nil {
		pass = []byte{}
	}
	privPEM, pubPEM, err := generateCosignKeys(pass)
	if err != nil {
		return fmt.Errorf("sign: generating key pair: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if err := writeNew(keyPath, privPEM, 0o600); err != nil {
		return err
	}
	if err := writeNew(pubPath, pubPEM, 0o644); err != nil {
		os.Remove(keyPath)
		return err
	}
	return nil
}

// writeNew creates path (failing if it exists) and writes data to it; on
// error nothing is left behind.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("sign: %s already exists, not overwriting it: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("sign: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("sign: writing %s: %w", path, err)
	}
	return nil
}

// LoadKey loads a private key file in cosign's encrypted format (as written
// by GenerateKeyPair or `cosign generate-key-pair`) and decrypts it with
// password, which the caller supplies (mingo passes $COSIGN_PASSWORD). A
// wrong password gives an error wrapping ErrWrongPassword.
func LoadKey(path string, password []byte) (*Signer, error) {
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sign: reading private key: %w", err)
	}
	pass := password
	if pass == nil {
		pass = []byte{}
	}
	sv, err := loadCosignKey(pemBytes, pass)
	if err != nil {
		if errors.Is(err, errDecrypt) {
			return nil, fmt.Errorf("sign: %s: %w (%w)", path, ErrWrongPassword, err)
		}
		return nil, fmt.Errorf("sign: loading private key %s: %w", path, err)
	}
	return &Signer{sv: sv}, nil
}

// NewSigner returns a signer for a private key held in memory (an
// *ecdsa.PrivateKey, *rsa.PrivateKey or ed25519.PrivateKey), for programs
// that keep their keys in a KMS client or a secret store rather than a file.
func NewSigner(key crypto.PrivateKey) (*Signer, error) {
	sv, err := newKeySigner(key, false)
	if err != nil {
		return nil, fmt.Errorf("sign: loading private key: %w", err)
	}
	return &Signer{sv: sv}, nil
}

// PublicKey returns the signer's public key (for a keyless Signer, that of
// its current ephemeral key).
func (s *Signer) PublicKey() (crypto.PublicKey, error) {
	sv, _, err := s.signer(context.Background())
	if err != nil {
		return nil, err
	}
	return sv.PublicKey()
}

// PublicKeyPEM returns the signer's public key in PEM form, as in cosign.pub.
func (s *Signer) PublicKeyPEM() ([]byte, error) {
	pub, err := s.PublicKey()
	if err != nil {
		return nil, err
	}
	return publicKeyPEM(pub)
}

// Sign signs the manifest at digest (an image or an index; for an index only
// the index itself is signed, like `cosign sign` without --recursive) and
// pushes the signature where `cosign verify --key` looks: a layer of media
// type application/vnd.dev.cosign.simplesigning.v1+json holding the cosign
// "simple signing" payload, with the base64 signature in the
// dev.cosignproject.cosign/signature annotation, in the image tagged
// sha256-<hex>.sig in digest's repository. Signatures already there are
// kept; signing the same digest twice with the same key adds nothing.
//
// opts are the go-containerregistry remote options (auth, transport, ...)
// for the registry; without any, the default keychain (~/.docker/config.json)
// is used. Do not pass remote.WithProgress: Sign makes several requests and
// go-containerregistry closes a progress channel after the first write. The
// signature is recorded in the signer's transparency log, if it has one,
// before anything is pushed. The manifest must exist in the registry.
func (s *Signer) Sign(ctx context.Context, digest name.Digest, opts ...remote.Option) error {
	ropts := remoteOptions(ctx, opts)
	if err := checkExists(digest, ropts); err != nil {
		return err
	}
	payload, err := simpleSigningPayload(digest)
	if err != nil {
		return fmt.Errorf("sign: payload: %w", err)
	}
	sv, kc, err := s.signer(ctx)
	if err != nil {
		return err
	}
	sig, err := sv.SignMessage(payload)
	if err != nil {
		return fmt.Errorf("sign: signing %s: %w", digest, err)
	}
	ann, err := s.tlogAnnotations(kc, func(pemBytes []byte) (*rekorBundle, error) {
		return s.tlog.signature(ctx, pemBytes, payload, sig)
	})
	if err != nil {
		return err
	}
	ann[signatureAnnotation] = base64.StdEncoding.EncodeToString(sig)
	a := attachment{payload: payload, mediaType: simpleSigningMediaType, annotations: ann}
	a.isCopy = func(l v1.Descriptor) bool {
		old, err := base64.StdEncoding.DecodeString(l.Annotations[signatureAnnotation])
		return err == nil && len(old) > 0 && sameLayer(l, payload, a.mediaType, ann) && sv.VerifySignature(old, payload) == nil
	}
	if err := attach(digest, "sig", a, ropts); err != nil {
		return fmt.Errorf("sign: pushing signature of %s: %w", digest, err)
	}
	return nil
}

// simpleSigningPayload is the payload cosign signs for an image: sigstore's
// payload.Cosign ("simple signing") without optional annotations.
func simpleSigningPayload(digest name.Digest) ([]byte, error) {
	type identity struct {
		DockerReference string `json:"docker-reference"`
	}
	type image struct {
		DockerManifestDigest string `json:"docker-manifest-digest"`
	}
	type critical struct {
		Identity identity `json:"identity"`
		Image    image    `json:"image"`
		Type     string   `json:"type"`
	}
	return json.Marshal(struct {
		Critical critical       `json:"critical"`
		Optional map[string]any `json:"optional"`
	}{Critical: critical{
		Identity: identity{digest.Repository.Name()},
		Image:    image{digest.DigestStr()},
		Type:     "cosign container image signature",
	}})
}

// predicateTypes maps cosign's --type names to predicate type URIs, as the
// cosign CLI does (cmd/cosign/cli/options.PredicateTypeMap).
var predicateTypes = map[string]string{
	"custom":           attestation.CosignCustomProvenanceV01,
	"slsaprovenance":   slsa02.PredicateSLSAProvenance,
	"slsaprovenance02": slsa02.PredicateSLSAProvenance,
	"slsaprovenance1":  slsa1.PredicateSLSAProvenance,
	"spdx":             in_toto.PredicateSPDX,
	"spdxjson":         in_toto.PredicateSPDX,
	"cyclonedx":        in_toto.PredicateCycloneDX,
	"link":             in_toto.PredicateLinkV1,
	"vuln":             attestation.CosignVulnProvenanceV01,
	"openvex":          attestation.OpenVexNamespace,
}

// uriTypes maps predicate type URIs back to the cosign name whose statement
// generator handles a JSON predicate of that type.
var uriTypes = map[string]string{
	in_toto.PredicateSPDX:                 "spdxjson",
	in_toto.PredicateCycloneDX:            "cyclonedx",
	slsa02.PredicateSLSAProvenance:        "slsaprovenance02",
	slsa1.PredicateSLSAProvenance:         "slsaprovenance1",
	in_toto.PredicateLinkV1:               "link",
	attestation.CosignVulnProvenanceV01:   "vuln",
	attestation.OpenVexNamespace:          "openvex",
	attestation.CosignCustomProvenanceV01: "custom",
}

// Attest wraps predicate in an in-toto statement (v0.1, the statement cosign
// v2 writes) of the given predicate type whose subject is digest, signs it
// as a DSSE envelope (payload type application/vnd.in-toto+json) and pushes
// it where `cosign verify-attestation --key` looks: a layer of media type
// application/vnd.dsse.envelope.v1+json with a predicateType annotation, in
// the image tagged sha256-<hex>.att in digest's repository. Attestations
// already there are kept.
//
// predicateType is a predicate type URI (for SPDX "https://spdx.dev/Document",
// which `cosign verify-attestation --type spdxjson` accepts) or one of
// cosign's --type names (custom, slsaprovenance, slsaprovenance02,
// slsaprovenance1, spdx, spdxjson, cyclonedx, link, vuln, openvex).
// predicate must be JSON except for "custom" and "spdx", which embed it as a
// string. opts and the transparency log are as for Sign.
func (s *Signer) Attest(ctx context.Context, digest name.Digest, predicateType string, predicate []byte, opts ...remote.Option) error {
	typ, uri, err := resolvePredicateType(predicateType)
	if err != nil {
		return err
	}
	h, err := v1.NewHash(digest.DigestStr())
	if err != nil || h.Algorithm != "sha256" {
		return fmt.Errorf("sign: %s: in-toto subjects need a sha256 digest", digest)
	}
	ropts := remoteOptions(ctx, opts)
	if err := checkExists(digest, ropts); err != nil {
		return err
	}
	stmt, err := attestation.GenerateStatement(attestation.GenerateOpts{
		Predicate: bytes.NewReader(predicate),
		Type:      typ,
		Digest:    h.Hex,
		Repo:      digest.Repository.String(),
	})
	if err != nil {
		return fmt.Errorf("sign: %s predicate: %w", predicateType, err)
	}
	payload, err := json.Marshal(stmt)
	if err != nil {
		return fmt.Errorf("sign: statement: %w", err)
	}
	sv, kc, err := s.signer(ctx)
	if err != nil {
		return err
	}
	envelope, err := dsseEnvelope(sv, payload)
	if err != nil {
		return fmt.Errorf("sign: signing attestation for %s: %w", digest, err)
	}
	ann, err := s.tlogAnnotations(kc, func(pemBytes []byte) (*rekorBundle, error) {
		return s.tlog.attestation(ctx, pemBytes, envelope)
	})
	if err != nil {
		return err
	}
	ann["predicateType"] = uri
	ann[signatureAnnotation] = "" // cosign's empty signature: the envelope holds it
	a := attachment{payload: envelope, mediaType: dsseMediaType, annotations: ann}
	if err := attach(digest, "att", a, ropts); err != nil {
		return fmt.Errorf("sign: pushing attestation of %s: %w", digest, err)
	}
	return nil
}

// dsseEnvelope signs payload, an in-toto statement, as a DSSE envelope
// (sigstore's dsse.WrapSigner).
func dsseEnvelope(sv *keySigner, payload []byte) ([]byte, error) {
	pae := fmt.Sprintf("DSSEv1 %d %s %d %s", len(intotoPayloadType), intotoPayloadType, len(payload), payload)
	sig, err := sv.SignMessage([]byte(pae))
	if err != nil {
		return nil, err
	}
	type signature struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	}
	return json.Marshal(struct {
		PayloadType string      `json:"payloadType"`
		Payload     string      `json:"payload"`
		Signatures  []signature `json:"signatures"`
	}{intotoPayloadType, base64.StdEncoding.EncodeToString(payload), []signature{{Sig: base64.StdEncoding.EncodeToString(sig)}}})
}

// resolvePredicateType returns the cosign statement type to generate and the
// predicate type URI for a cosign --type name or a URI.
func resolvePredicateType(t string) (typ, uri string, err error) {
	if u, ok := predicateTypes[t]; ok {
		return t, u, nil
	}
	if n, ok := uriTypes[t]; ok {
		return n, t, nil
	}
	if !isURI(t) {
		return "", "", fmt.Errorf("sign: invalid predicate type %q: want a URI or one of cosign's types (spdxjson, cyclonedx, slsaprovenance1, ...)", t)
	}
	return t, t, nil // a custom type: the predicate is embedded as JSON
}

// checkExists fails when the manifest at digest is not in the registry.
func checkExists(digest name.Digest, ropts []remote.Option) error {
	if _, err := remote.Head(digest, ropts...); err != nil {
		return fmt.Errorf("sign: %s: %w", digest, err)
	}
	return nil
}

// remoteOptions returns opts (or the default keychain when there are none)
// with ctx.
func remoteOptions(ctx context.Context, opts []remote.Option) []remote.Option {
	if len(opts) == 0 {
		opts = []remote.Option{remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	}
	return append(append([]remote.Option(nil), opts...), remote.WithContext(ctx))
}

// isURI reports whether t parses as an absolute URI, as the cosign CLI
// requires of custom predicate types.
func isURI(t string) bool {
	u, err := url.ParseRequestURI(t)
	return err == nil && u.Scheme != ""
}
