package sign

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	cbundle "github.com/sigstore/cosign/v2/pkg/cosign/bundle"
	rekorclient "github.com/sigstore/rekor/pkg/client"
	rekorgen "github.com/sigstore/rekor/pkg/generated/client"
	"github.com/sigstore/rekor/pkg/generated/models"
)

// DefaultRekorURL is the public-good Rekor transparency log, the default of
// the cosign CLI.
const DefaultRekorURL = "https://rekor.sigstore.dev"

// rekorLog records signatures and attestations in a Rekor transparency log.
type rekorLog struct {
	url    string
	hc     *http.Client
	client *rekorgen.Rekor
}

// newRekorLog returns the log at rekorURL (DefaultRekorURL when empty),
// reached through hc (a default client when nil), after checking that it
// answers, so that an unreachable log fails before anything is built.
func newRekorLog(ctx context.Context, rekorURL string, hc *http.Client) (*rekorLog, error) {
	if rekorURL == "" {
		rekorURL = DefaultRekorURL
	}
	u, err := url.Parse(rekorURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("sign: bad Rekor URL %q: want https://HOST[:PORT]", rekorURL)
	}
	l := &rekorLog{url: rekorURL, hc: hc}
	if hc == nil {
		l.hc = &http.Client{Timeout: time.Minute}
		if l.client, err = rekorclient.GetRekorClient(rekorURL, rekorclient.WithRetryCount(3)); err != nil {
			return nil, fmt.Errorf("sign: Rekor client: %w", err)
		}
	} else {
		path := u.Path
		if path == "" || path == "/" {
			path = rekorgen.DefaultBasePath
		}
		rt := httptransport.NewWithClient(u.Host, path, []string{u.Scheme}, hc)
		rt.Consumers["application/json"] = runtime.JSONConsumer()
		rt.Consumers["application/x-pem-file"] = runtime.TextConsumer()
		rt.Producers["application/json"] = runtime.JSONProducer()
		l.client = rekorgen.New(rt, strfmt.Default)
	}
	return l, l.ping(ctx)
}

// ping asks the log for its state (GET /api/v1/log).
func (l *rekorLog) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(l.url, "/")+"/api/v1/log", nil)
	if err != nil {
		return fmt.Errorf("sign: Rekor URL %q: %w", l.url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := l.hc.Do(req)
	if err != nil {
		return fmt.Errorf("sign: the Rekor transparency log at %s is unreachable: %w", l.url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sign: the Rekor transparency log at %s answered %s: %s", l.url, resp.Status, snippet(body))
	}
	return nil
}

// signature records a hashedrekord entry for a simple-signing payload and
// its signature, made by the key of pemBytes (a certificate or public key).
func (l *rekorLog) signature(ctx context.Context, pemBytes, payload, sig []byte) (*cbundle.RekorBundle, error) {
	return l.record("signature", func() (*models.LogEntryAnon, error) {
		h := sha256.New()
		h.Write(payload)
		return cosign.TLogUpload(ctx, l.client, sig, h, pemBytes)
	})
}

// attestation records a dsse entry for a DSSE envelope, as `cosign attest`
// does by default.
func (l *rekorLog) attestation(ctx context.Context, pemBytes, envelope []byte) (*cbundle.RekorBundle, error) {
	return l.record("attestation", func() (*models.LogEntryAnon, error) {
		return cosign.TLogUploadDSSEEnvelope(ctx, l.client, envelope, pemBytes)
	})
}

// record runs upload and returns the Rekor bundle (entry and signed entry
// timestamp) that cosign verifies offline.
func (l *rekorLog) record(what string, upload func() (*models.LogEntryAnon, error)) (*cbundle.RekorBundle, error) {
	entry, err := upload()
	if err != nil {
		return nil, fmt.Errorf("sign: uploading the %s to the Rekor transparency log at %s: %w", what, l.url, err)
	}
	if entry == nil || entry.Verification == nil || len(entry.Verification.SignedEntryTimestamp) == 0 ||
		entry.IntegratedTime == nil || entry.LogIndex == nil || entry.LogID == nil || entry.Body == nil {
		return nil, fmt.Errorf("sign: Rekor at %s returned an incomplete log entry for the %s (no signed entry timestamp)", l.url, what)
	}
	return cbundle.EntryToBundle(entry), nil
}
