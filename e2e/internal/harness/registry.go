package harness

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Registry is a running CNCF Distribution registry (/usr/bin/docker-registry)
// listening on 127.0.0.1, started by StartRegistry.
type Registry struct {
	// Host is "127.0.0.1:PORT", the registry part of image references.
	Host string
	// CAFile is the PEM file of the CA that signed the server certificate,
	// alone in its directory (so filepath.Dir(CAFile) works as a
	// certificate directory for skopeo and docker). Empty for plain HTTP.
	CAFile string
	// User and Password are the htpasswd credentials; empty when auth is off.
	User, Password string
	// DockerConfigDir is a directory whose config.json holds the
	// credentials in Docker's format ({"auths": {Host: {"auth": ...}}}), or
	// an empty {"auths":{}} when auth is off. Use it as DOCKER_CONFIG.
	DockerConfigDir string
	// LogFile receives the registry's output.
	LogFile string
	// StorageDir is the registry's filesystem storage: every blob it holds
	// is a file named data under it.
	StorageDir string

	dir       string
	proc      *process
	closeOnce sync.Once
	closeErr  error
}

// RegistryOptions selects the registry's security features.
type RegistryOptions struct {
	// TLS serves HTTPS with a certificate signed by a freshly generated CA
	// (Registry.CAFile).
	TLS bool
	// Auth requires HTTP basic auth (htpasswd, bcrypt) with a random
	// password (Registry.User, Registry.Password).
	Auth bool
}

// StartRegistry starts /usr/bin/docker-registry serve with a generated
// configuration on a free 127.0.0.1 port, storing blobs in a temporary
// directory under workDir. With opts.TLS it serves HTTPS using a CA generated
// here (ECDSA P-256) and a server certificate for 127.0.0.1, ::1 and
// localhost; with opts.Auth it requires basic auth checked against an
// htpasswd file with a random password. It returns once GET /v2/ answers
// (401 with auth, 200 without) over the right scheme, trusting CAFile. On
// failure the error includes the tail of the registry's log.
func StartRegistry(ctx context.Context, workDir string, opts RegistryOptions) (*Registry, error) {
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(workDir, "registry-")
	if err != nil {
		return nil, err
	}
	r := &Registry{dir: dir, LogFile: filepath.Join(dir, "registry.log"), DockerConfigDir: filepath.Join(dir, "docker-config")}
	storage := filepath.Join(dir, "storage")
	r.StorageDir = storage
	if err := os.MkdirAll(storage, 0o755); err != nil {
		return nil, err
	}

	var tlsCfg string
	if opts.TLS {
		caFile, certFile, keyFile, err := writeTLSFiles(dir)
		if err != nil {
			return nil, fmt.Errorf("harness: registry TLS: %w", err)
		}
		r.CAFile = caFile
		tlsCfg = fmt.Sprintf("  tls:\n    certificate: %q\n    key: %q\n", certFile, keyFile)
	}

	var authCfg string
	if opts.Auth {
		r.User = "mingo"
		r.Password = randomHex(16)
		hash, err := bcrypt.GenerateFromPassword([]byte(r.Password), bcrypt.MinCost)
		if err != nil {
			return nil, err
		}
		htpasswd := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(htpasswd, []byte(r.User+":"+string(hash)+"\n"), 0o600); err != nil {
			return nil, err
		}
		authCfg = fmt.Sprintf("auth:\n  htpasswd:\n    realm: \"mingo-test\"\n    path: %q\n", htpasswd)
	}

	const attempts = 3
	for attempt := 1; ; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		r.Host = fmt.Sprintf("127.0.0.1:%d", port)
		if err := r.writeDockerConfig(); err != nil {
			return nil, err
		}
		config := fmt.Sprintf(`version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: %q
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %q
  secret: %q
%s%s`, storage, r.Host, randomHex(16), tlsCfg, authCfg)
		configFile := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
			return nil, err
		}

		r.proc, err = startProcess("docker-registry", r.LogFile, registryBin, []string{"serve", configFile}, cleanEnv())
		if err != nil {
			return nil, err
		}
		err = waitFor(ctx, "registry on "+r.Host, r.proc, 30*time.Second, r.checkReady)
		if err == nil {
			return r, nil
		}
		_ = r.proc.stop(5 * time.Second)
		if attempt < attempts && strings.Contains(logTail(r.LogFile, 20), "address already in use") {
			continue // lost the race for the port; try another one
		}
		return nil, fmt.Errorf("harness: %w\n%s (tail):\n%s", err, r.LogFile, logTail(r.LogFile, 30))
	}
}

// checkReady does GET /v2/ and wants 401 with auth, 200 without.
func (r *Registry) checkReady() error {
	resp, err := r.HTTPClient().Get(r.URL() + "/v2/")
	if err != nil {
		return err
	}
	resp.Body.Close()
	want := http.StatusOK
	if r.User != "" {
		want = http.StatusUnauthorized
	}
	if resp.StatusCode != want {
		return fmt.Errorf("GET /v2/: %s, want %d", resp.Status, want)
	}
	return nil
}

// URL returns the registry's base URL, "https://HOST" or "http://HOST".
func (r *Registry) URL() string {
	if r.CAFile != "" {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// HTTPClient returns an HTTP client that trusts CAFile (when set), uses no
// proxy and sends no credentials by itself.
func (r *Registry) HTTPClient() *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		TLSHandshakeTimeout: 5 * time.Second,
		MaxIdleConnsPerHost: 4,
	}
	if r.CAFile != "" {
		pool := x509.NewCertPool()
		if pem, err := os.ReadFile(r.CAFile); err == nil {
			pool.AppendCertsFromPEM(pem)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// writeDockerConfig writes DockerConfigDir/config.json for the current Host.
func (r *Registry) writeDockerConfig() error {
	if err := os.MkdirAll(r.DockerConfigDir, 0o700); err != nil {
		return err
	}
	type auth struct {
		Auth string `json:"auth"`
	}
	cfg := struct {
		Auths map[string]auth `json:"auths"`
	}{Auths: map[string]auth{}}
	if r.User != "" {
		cfg.Auths[r.Host] = auth{Auth: base64.StdEncoding.EncodeToString([]byte(r.User + ":" + r.Password))}
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.DockerConfigDir, "config.json"), append(b, '\n'), 0o600)
}

// Freeze stops the registry process (SIGSTOP) without closing anything:
// the kernel still accepts connections, nothing answers. The returned
// function thaws it (SIGCONT).
func (r *Registry) Freeze() (thaw func(), err error) {
	p := r.proc.cmd.Process
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		return nil, err
	}
	return func() { p.Signal(syscall.SIGCONT) }, nil
}

// Close stops the registry (SIGTERM, then SIGKILL after 5s) and waits for
// it to exit. Its storage stays under workDir.
func (r *Registry) Close() error {
	if r == nil {
		return nil
	}
	r.closeOnce.Do(func() { r.closeErr = r.proc.stop(5 * time.Second) })
	return r.closeErr
}

// writeTLSFiles generates a CA and a server certificate for the loopback
// addresses under dir and returns the paths of the CA certificate (alone in
// its directory), the server certificate and its key.
func writeTLSFiles(dir string) (caFile, certFile, keyFile string, err error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", "", err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "mingo test CA " + randomHex(4)},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return "", "", "", err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return "", "", "", err
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return "", "", "", err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", "", err
	}

	caDir := filepath.Join(dir, "ca")
	serverDir := filepath.Join(dir, "server")
	for _, d := range []string{caDir, serverDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", "", "", err
		}
	}
	caFile = filepath.Join(caDir, "ca.crt")
	certFile = filepath.Join(serverDir, "server.crt")
	keyFile = filepath.Join(serverDir, "server.key")
	if err := errors.Join(
		os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644),
		os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644),
		os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600),
	); err != nil {
		return "", "", "", err
	}
	return caFile, certFile, keyFile, nil
}

// randomSerial returns a random positive 128-bit certificate serial number.
func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err)
	}
	return n.Add(n, big.NewInt(1))
}

// randomHex returns n random bytes, hex-encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
