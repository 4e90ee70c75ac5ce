package sign

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// DefaultFulcioURL is the public-good Fulcio certificate authority, the
// default of the cosign CLI.
const DefaultFulcioURL = "https://fulcio.sigstore.dev"

// Environment variables keyless signing reads its OIDC identity token from:
// IDTokenEnv holds a token (as for cosign), the two GitHub Actions ones
// (set in jobs with `permissions: id-token: write`) let it fetch one.
const (
	IDTokenEnv             = "SIGSTORE_ID_TOKEN"
	ActionsTokenURLEnv     = "ACTIONS_ID_TOKEN_REQUEST_URL"
	ActionsRequestTokenEnv = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// certRefreshMargin: a certificate expiring sooner than this is replaced
// (new ephemeral key, new token when it can be fetched again) before signing.
const certRefreshMargin = 2 * time.Minute

// KeylessOptions configure Keyless.
type KeylessOptions struct {
	// FulcioURL and RekorURL default to DefaultFulcioURL and DefaultRekorURL.
	FulcioURL, RekorURL string
	// IDToken is the OIDC identity token. When empty, it is read from
	// $SIGSTORE_ID_TOKEN or, in GitHub Actions, fetched from
	// $ACTIONS_ID_TOKEN_REQUEST_URL (audience "sigstore").
	IDToken string
	// HTTPClient, if set, is used for Fulcio, Rekor and the GitHub Actions
	// token request (for instance to trust another CA).
	HTTPClient *http.Client
}

// keyless is the state of a keyless Signer: where its certificates and
// token come from, and the current ephemeral key and certificate.
type keyless struct {
	fulcioURL string
	client    *http.Client
	token     func(context.Context) (string, error)

	mu  sync.Mutex
	cur *keylessCert
}

// keylessCert is an ephemeral key with its Fulcio certificate.
type keylessCert struct {
	sv       *keySigner
	certPEM  []byte // the leaf certificate
	chainPEM []byte // the rest of the chain, up to the root
	notAfter time.Time
}

// Keyless returns a Signer for keyless signing with Sigstore: for an OIDC
// identity token it gets a short-lived certificate from Fulcio for an
// ephemeral key, and each signature and attestation made by Sign and Attest
// is recorded in the Rekor transparency log and pushed with its certificate,
// chain and Rekor bundle, so that
//
//	cosign verify --certificate-identity ID --certificate-oidc-issuer ISSUER IMAGE
//
// verifies it. The token is o.IDToken, else $SIGSTORE_ID_TOKEN, else (in
// GitHub Actions, with `permissions: id-token: write`) one fetched from
// $ACTIONS_ID_TOKEN_REQUEST_URL for the audience "sigstore". Without a token
// the error wraps ErrNoKeyless and says how to provide one.
//
// Keyless gets the first certificate right away, so that a missing token or
// an unreachable Fulcio fails before anything is built; a certificate close
// to expiry is replaced when signing. The zero KeylessOptions use the
// public-good instances.
func Keyless(ctx context.Context, o KeylessOptions) (*Signer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k := &keyless{fulcioURL: o.FulcioURL, client: o.HTTPClient}
	if k.fulcioURL == "" {
		k.fulcioURL = DefaultFulcioURL
	}
	if k.client == nil {
		k.client = &http.Client{Timeout: 2 * time.Minute}
	}
	tok, err := tokenSource(o.IDToken, k.client)
	if err != nil {
		return nil, err
	}
	k.token = tok
	if _, err := k.current(ctx); err != nil {
		return nil, err
	}
	tlog, err := newRekorLog(ctx, o.RekorURL, o.HTTPClient)
	if err != nil {
		return nil, err
	}
	return &Signer{kl: k, tlog: tlog}, nil
}

// tokenSource returns how to get the OIDC token, or an error wrapping
// ErrNoKeyless when there is no way.
func tokenSource(explicit string, client *http.Client) (func(context.Context) (string, error), error) {
	static := func(t string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { return t, nil }
	}
	if t := strings.TrimSpace(explicit); t != "" {
		return static(t), nil
	}
	if t := strings.TrimSpace(os.Getenv(IDTokenEnv)); t != "" {
		return static(t), nil
	}
	reqURL, reqTok := os.Getenv(ActionsTokenURLEnv), os.Getenv(ActionsRequestTokenEnv)
	if reqURL != "" && reqTok != "" {
		return func(ctx context.Context) (string, error) {
			return githubIDToken(ctx, client, reqURL, reqTok)
		}, nil
	}
	why := "neither " + IDTokenEnv + " nor " + ActionsTokenURLEnv + " is set"
	if reqURL != "" {
		why = ActionsTokenURLEnv + " is set but " + ActionsRequestTokenEnv + " is not"
	}
	return nil, fmt.Errorf("sign: %w (%s): set %s to an OIDC identity token, or in GitHub Actions give the job "+
		"`permissions: id-token: write` (which provides %s and %s); or sign with a key instead (%s, %s=password)",
		ErrNoKeyless, why, IDTokenEnv, ActionsTokenURLEnv, ActionsRequestTokenEnv, PrivateKeyFile, PasswordEnv)
}

// githubIDToken fetches an OIDC token for the audience "sigstore" from the
// GitHub Actions token service.
func githubIDToken(ctx context.Context, client *http.Client, reqURL, reqTok string) (string, error) {
	u, err := url.Parse(reqURL)
	if err != nil {
		return "", fmt.Errorf("sign: %s: %w", ActionsTokenURLEnv, err)
	}
	q := u.Query()
	q.Set("audience", "sigstore")
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("sign: %s: %w", ActionsTokenURLEnv, err)
	}
	req.Header.Set("Authorization", "Bearer "+reqTok)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("sign: fetching the GitHub Actions OIDC token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("sign: fetching the GitHub Actions OIDC token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("sign: fetching the GitHub Actions OIDC token: %s: %s (does the job have `permissions: id-token: write`?)",
			resp.Status, snippet(body))
	}
	var v struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Value == "" {
		return "", fmt.Errorf("sign: fetching the GitHub Actions OIDC token: no token in the response %s", snippet(body))
	}
	return v.Value, nil
}

// current returns the ephemeral key and certificate to sign with, getting
// a new one from Fulcio when there is none or it expires soon.
func (k *keyless) current(ctx context.Context) (*keylessCert, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cur != nil && time.Until(k.cur.notAfter) > certRefreshMargin {
		return k.cur, nil
	}
	tok, err := k.token(ctx)
	if err != nil {
		return nil, err
	}
	c, err := k.newCert(ctx, tok)
	if err != nil {
		return nil, err
	}
	k.cur = c
	return c, nil
}

// fulcioRequest and fulcioResponse are the JSON forms of Fulcio's v2
// CreateSigningCertificate API (POST /api/v2/signingCert).
type fulcioRequest struct {
	Credentials struct {
		OIDCIdentityToken string `json:"oidcIdentityToken"`
	} `json:"credentials"`
	CertificateSigningRequest []byte `json:"certificateSigningRequest"` // PEM
}

type fulcioChain struct {
	Chain struct {
		Certificates []string `json:"certificates"`
	} `json:"chain"`
}

type fulcioResponse struct {
	Embedded *fulcioChain `json:"signedCertificateEmbeddedSct"`
	Detached *fulcioChain `json:"signedCertificateDetachedSct"`
}

// newCert makes an ephemeral ECDSA P-256 key and gets a certificate for it
// and the identity of tok from Fulcio.
func (k *keyless) newCert(ctx context.Context, tok string) (*keylessCert, error) {
	priv, reqBody, err := certRequest(tok)
	if err != nil {
		return nil, err
	}
	body, err := k.postFulcio(ctx, tok, reqBody)
	if err != nil {
		return nil, err
	}
	certs, leaf, err := k.fulcioCerts(body, priv)
	if err != nil {
		return nil, err
	}
	var chain []byte
	for _, c := range certs[1:] {
		chain = append(chain, strings.TrimSpace(c)...)
		chain = append(chain, '\n')
	}
	sv, err := newKeySigner(priv, false)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return &keylessCert{
		sv:       sv,
		certPEM:  []byte(strings.TrimSpace(certs[0]) + "\n"),
		chainPEM: chain,
		notAfter: leaf.NotAfter,
	}, nil
}

// certRequest makes an ephemeral ECDSA P-256 key and the body of a Fulcio
// request for a certificate for it and the identity of tok.
func certRequest(tok string) (*ecdsa.PrivateKey, []byte, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: generating an ephemeral key: %w", err)
	}
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, priv)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: certificate request: %w", err)
	}
	var fr fulcioRequest
	fr.Credentials.OIDCIdentityToken = tok
	fr.CertificateSigningRequest = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER})
	reqBody, err := json.Marshal(fr)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: %w", err)
	}
	return priv, reqBody, nil
}

// postFulcio sends reqBody, with tok as the bearer token, to Fulcio's
// signing certificate endpoint and returns the body of its answer.
func (k *keyless) postFulcio(ctx context.Context, tok string, reqBody []byte) ([]byte, error) {
	endpoint := strings.TrimRight(k.fulcioURL, "/") + "/api/v2/signingCert"
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(reqBody))
	if err != nil {
		return nil, fmt.Errorf("sign: Fulcio URL %q: %w", k.fulcioURL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign: getting a signing certificate from Fulcio at %s: %w", k.fulcioURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("sign: getting a signing certificate from Fulcio at %s: %w", k.fulcioURL, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("sign: Fulcio at %s refused the signing certificate: %s: %s", k.fulcioURL, resp.Status, snippet(body))
	}
	return body, nil
}

// fulcioCerts reads Fulcio's answer: the PEM certificates of the chain,
// leaf first, and the leaf, after checking it certifies priv's public key.
func (k *keyless) fulcioCerts(body []byte, priv *ecdsa.PrivateKey) ([]string, *x509.Certificate, error) {
	var fresp fulcioResponse
	if err := json.Unmarshal(body, &fresp); err != nil {
		return nil, nil, fmt.Errorf("sign: Fulcio at %s: bad response: %w", k.fulcioURL, err)
	}
	ch := fresp.Embedded
	if ch == nil {
		ch = fresp.Detached
	}
	if ch == nil || len(ch.Chain.Certificates) == 0 {
		return nil, nil, fmt.Errorf("sign: Fulcio at %s returned no certificate: %s", k.fulcioURL, snippet(body))
	}
	certs := ch.Chain.Certificates
	leaf, err := parseCertificates([]byte(certs[0]))
	if err != nil || len(leaf) != 1 {
		return nil, nil, fmt.Errorf("sign: Fulcio at %s returned a bad certificate: %w", k.fulcioURL, err)
	}
	if !priv.PublicKey.Equal(leaf[0].PublicKey) {
		return nil, nil, fmt.Errorf("sign: Fulcio at %s returned a certificate for another key", k.fulcioURL)
	}
	return certs, leaf[0], nil
}

// snippet returns the start of an error response body for messages.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return fmt.Sprintf("%q", s)
}
