package sign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultRekorURL is the public-good Rekor transparency log, the default of
// the cosign CLI.
const DefaultRekorURL = "https://rekor.sigstore.dev"

// rekorLog records signatures and attestations in a Rekor transparency log.
type rekorLog struct {
	url string
	hc  *http.Client
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
	l := &rekorLog{url: strings.TrimRight(rekorURL, "/"), hc: hc}
	if hc == nil {
		l.hc = &http.Client{Timeout: time.Minute}
	}
	return l, l.ping(ctx)
}

// ping asks the log for its state (GET /api/v1/log).
func (l *rekorLog) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.url+"/api/v1/log", nil)
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

// rekorBundle is what cosign attaches to a signature as proof of its log
// entry (cosign's bundle.RekorBundle): the entry and the log's signed entry
// timestamp over it, which cosign verifies offline.
type rekorBundle struct {
	SignedEntryTimestamp []byte
	Payload              struct {
		Body           any    `json:"body"`
		IntegratedTime int64  `json:"integratedTime"`
		LogIndex       int64  `json:"logIndex"`
		LogID          string `json:"logID"`
	}
}

// logEntry is an entry as the Rekor API returns it (models.LogEntryAnon).
type logEntry struct {
	Body           any    `json:"body"`
	IntegratedTime *int64 `json:"integratedTime"`
	LogID          string `json:"logID"`
	LogIndex       *int64 `json:"logIndex"`
	Verification   struct {
		SignedEntryTimestamp []byte `json:"signedEntryTimestamp"`
	} `json:"verification"`
}

// signature records a hashedrekord entry for a simple-signing payload and
// its signature, made by the key of pemBytes (a certificate or public key),
// as cosign.TLogUpload does.
func (l *rekorLog) signature(ctx context.Context, pemBytes, payload, sig []byte) (*rekorBundle, error) {
	sum := sha256.Sum256(payload)
	entry := map[string]any{
		"apiVersion": "0.0.1",
		"kind":       "hashedrekord",
		"spec": map[string]any{
			"data": map[string]any{"hash": map[string]string{"algorithm": "sha256", "value": hex.EncodeToString(sum[:])}},
			"signature": map[string]any{
				"content":   base64.StdEncoding.EncodeToString(sig),
				"publicKey": map[string]string{"content": base64.StdEncoding.EncodeToString(pemBytes)},
			},
		},
	}
	return l.record(ctx, "signature", entry)
}

// attestation records a dsse entry for a DSSE envelope, as `cosign attest`
// does by default (cosign.TLogUploadDSSEEnvelope).
func (l *rekorLog) attestation(ctx context.Context, pemBytes, envelope []byte) (*rekorBundle, error) {
	entry := map[string]any{
		"apiVersion": "0.0.1",
		"kind":       "dsse",
		"spec": map[string]any{
			"proposedContent": map[string]any{
				"envelope":  string(envelope),
				"verifiers": []string{base64.StdEncoding.EncodeToString(pemBytes)},
			},
		},
	}
	return l.record(ctx, "attestation", entry)
}

// record posts entry to the log and returns the Rekor bundle of the entry
// the log made (or, when the log holds it already, of that one).
func (l *rekorLog) record(ctx context.Context, what string, entry any) (*rekorBundle, error) {
	e, err := l.upload(ctx, entry)
	if err != nil {
		return nil, fmt.Errorf("sign: uploading the %s to the Rekor transparency log at %s: %w", what, l.url, err)
	}
	if len(e.Verification.SignedEntryTimestamp) == 0 || e.IntegratedTime == nil || e.LogIndex == nil || e.LogID == "" || e.Body == nil {
		return nil, fmt.Errorf("sign: Rekor at %s returned an incomplete log entry for the %s (no signed entry timestamp)", l.url, what)
	}
	b := &rekorBundle{SignedEntryTimestamp: e.Verification.SignedEntryTimestamp}
	b.Payload.Body, b.Payload.IntegratedTime, b.Payload.LogIndex, b.Payload.LogID = e.Body, *e.IntegratedTime, *e.LogIndex, e.LogID
	return b, nil
}

// upload posts entry (POST /api/v1/log/entries); on 409 Conflict, an entry
// the log already holds, it reads that entry from the Location given.
func (l *rekorLog) upload(ctx context.Context, entry any) (*logEntry, error) {
	body, err := json.Marshal(entry)
	if err != nil {
		return nil, err
	}
	resp, err := l.do(ctx, http.MethodPost, l.url+"/api/v1/log/entries", body)
	if err != nil {
		return nil, err
	}
	if resp.status == http.StatusConflict && resp.location != "" {
		loc, err := url.Parse(l.url + "/")
		if err == nil {
			loc, err = loc.Parse(resp.location)
		}
		if err != nil {
			return nil, fmt.Errorf("bad Location %q: %w", resp.location, err)
		}
		if resp, err = l.do(ctx, http.MethodGet, loc.String(), nil); err != nil {
			return nil, err
		}
	}
	if resp.status != http.StatusCreated && resp.status != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", http.StatusText(resp.status), snippet(resp.body))
	}
	var entries map[string]logEntry
	if err := json.Unmarshal(resp.body, &entries); err != nil {
		return nil, fmt.Errorf("bad response: %w", err)
	}
	for _, e := range entries {
		return &e, nil
	}
	return nil, fmt.Errorf("bad response from server: no entry")
}

// rekorResponse is the part of an HTTP response upload reads.
type rekorResponse struct {
	status   int
	location string
	body     []byte
}

// do makes one JSON request to the log.
func (l *rekorLog) do(ctx context.Context, method, u string, body []byte) (*rekorResponse, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := l.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	return &rekorResponse{resp.StatusCode, resp.Header.Get("Location"), b}, nil
}
