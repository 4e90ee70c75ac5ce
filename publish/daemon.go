package publish

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/platform"
)

// DefaultDaemonHost is where Docker's engine listens when DOCKER_HOST is
// unset.
const DefaultDaemonHost = "unix:///var/run/docker.sock"

// Daemon loads images into a local container engine through its
// Docker-compatible API socket: Docker's, or podman's (`podman system
// service`). No docker command is run.
//
// An engine with Docker's classic image store (and podman) keeps one
// platform per tag: Daemon then loads the platform matching the engine's
// OS and architecture (the first built one when none does) and reports the
// others to Skipped. An engine that keeps every platform of a tag (Docker
// with the containerd image store) gets the whole index.
//
// Loading is all or nothing under the names: the images are loaded
// untagged, and tagged only once every one of them is in the engine. An
// image the engine already holds under all its names is not sent again.
type Daemon struct {
	// Host is the engine's address, unix:///PATH or tcp://HOST:PORT
	// (plain HTTP); "" means DOCKER_HOST, or DefaultDaemonHost.
	Host string
	// Names returns the names to load an image under; nil means the
	// image's Names.
	Names func(*Image) []name.Tag
	// Skipped, when set, is told of each image loaded with only one of its
	// platforms, and which.
	Skipped func(img *Image, loaded platform.Platform, skipped []platform.Platform)
	// Timeout fails a request to the engine that sends and receives
	// nothing for that long (an engine that stopped reading); 0 means
	// DefaultTimeout.
	Timeout time.Duration

	client *http.Client
	host   string
}

// DaemonProblem classifies what went wrong talking to an engine.
type DaemonProblem int

// The problems a DaemonError reports.
const (
	// EngineUnreachable: nothing answers at the address.
	EngineUnreachable DaemonProblem = iota + 1
	// EnginePermissionDenied: the socket is there, and this user may not
	// open it.
	EnginePermissionDenied
	// EngineRefused: the engine answered with an error.
	EngineRefused
	// EngineStopped: the engine took the connection, then closed it or
	// made no progress for the timeout: it runs, and stopped answering.
	EngineStopped
)

// DaemonError is a failure to load into the engine at Host.
type DaemonError struct {
	Host    string
	Problem DaemonProblem
	Err     error
}

func (e *DaemonError) Error() string {
	return fmt.Sprintf("container engine at %s: %s", e.Host, oneLine(e.Err.Error()))
}

func (e *DaemonError) Unwrap() error { return e.Err }

// ErrDaemonHost is a DOCKER_HOST Daemon cannot talk to.
var ErrDaemonHost = errors.New("unsupported engine address: want unix:///PATH or tcp://HOST:PORT")

// Address returns the engine address Daemon uses: Host, DOCKER_HOST, or
// DefaultDaemonHost.
func (d *Daemon) Address() string {
	switch {
	case d.Host != "":
		return d.Host
	case os.Getenv("DOCKER_HOST") != "":
		return os.Getenv("DOCKER_HOST")
	}
	return DefaultDaemonHost
}

// connect sets up the HTTP client for the engine's address.
func (d *Daemon) connect() error {
	if d.client != nil {
		return nil
	}
	d.host = d.Address()
	u, err := url.Parse(d.host)
	if err != nil {
		return &DaemonError{Host: d.host, Problem: EngineUnreachable, Err: fmt.Errorf("%w: %v", ErrDaemonHost, err)}
	}
	network, addr := "", ""
	switch u.Scheme {
	case "unix":
		network, addr = "unix", u.Path
	case "tcp":
		network, addr = "tcp", u.Host
	}
	if addr == "" {
		return &DaemonError{Host: d.host, Problem: EngineUnreachable, Err: ErrDaemonHost}
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	d.client = &http.Client{Transport: &watchdog{
		next: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, addr)
			},
		},
		timeout:   timeout,
		transient: new(atomic.Int64),
		stalled: func(req *http.Request, timeout time.Duration) error {
			return &DaemonError{Host: d.host, Problem: EngineStopped, Err: fmt.Errorf("made no progress for %v while %s", timeout, engineDoing(req))}
		},
	}}
	return nil
}

// engineDoing says in words what a request to the engine is for.
func engineDoing(req *http.Request) string {
	p := req.URL.Path
	switch {
	case p == "/images/load":
		return "loading images"
	case p == "/_ping":
		return "checking that it is up"
	case strings.HasSuffix(p, "/tag"):
		return "tagging an image"
	case strings.HasPrefix(p, "/images/"):
		return "looking an image up"
	}
	return "asking for its platform"
}

// engineInfo is what Daemon needs to know of an engine.
type engineInfo struct {
	os, arch string
	keepsAll bool // several platforms under one tag
}

// Check asks the engine whether it is up (GET /_ping), so a build can fail
// in a second rather than after compiling.
func (d *Daemon) Check(ctx context.Context) error {
	if err := d.connect(); err != nil {
		return err
	}
	_, err := d.get(ctx, "/_ping", nil)
	return err
}

// Platform asks the engine which platform it runs images of (GET
// /version, which Docker and podman answer with Os and Arch), so that a
// build for it compiles that platform only.
func (d *Daemon) Platform(ctx context.Context) (platform.Platform, error) {
	if err := d.connect(); err != nil {
		return platform.Platform{}, err
	}
	var v struct{ Os, Arch string }
	if _, err := d.get(ctx, "/version", &v); err != nil {
		return platform.Platform{}, err
	}
	p, err := platform.Parse(v.Os + "/" + v.Arch)
	if err != nil {
		return platform.Platform{}, &DaemonError{Host: d.host, Problem: EngineRefused, Err: fmt.Errorf("GET /version: %w", err)}
	}
	return p, nil
}

// info asks the engine for its platform (/version) and image store
// (/info: Docker's containerd store reports a containerd snapshotter).
func (d *Daemon) info(ctx context.Context) (engineInfo, error) {
	var v struct{ Os, Arch string }
	versionErr := make(chan error, 1)
	go func() {
		_, err := d.get(ctx, "/version", &v)
		versionErr <- err
	}()
	var i struct{ DriverStatus [][]string }
	_, infoErr := d.get(ctx, "/info", &i)
	if err := <-versionErr; err != nil {
		return engineInfo{}, err
	}
	if infoErr != nil {
		return engineInfo{}, infoErr
	}
	e := engineInfo{os: v.Os, arch: v.Arch}
	for _, kv := range i.DriverStatus {
		if len(kv) == 2 && kv[0] == "driver-type" && strings.HasPrefix(kv[1], "io.containerd.snapshotter") {
			e.keepsAll = true
		}
	}
	return e, nil
}

// Publish loads every image; it has no references to return (a tag in
// the engine names no content a registry serves).
func (d *Daemon) Publish(ctx context.Context, images []*Image) ([]name.Reference, error) {
	if err := d.connect(); err != nil {
		return nil, err
	}
	var eng engineInfo
	if multiPlatform(images) {
		// Only a choice of platforms needs the engine's; podman takes
		// seconds to answer /version and /info.
		var err error
		if eng, err = d.info(ctx); err != nil {
			return nil, err
		}
	}
	var todo []item
	for _, res := range images {
		it, err := d.item(res, eng)
		if err != nil {
			return nil, err
		}
		if !d.present(ctx, it) {
			todo = append(todo, it)
		}
	}
	if len(todo) == 0 {
		return make([]name.Reference, len(images)), nil
	}
	var err error
	if eng.keepsAll {
		// The containerd store imports the OCI index with its names, in
		// one transaction.
		err = d.load(ctx, func(w io.Writer) error { return writeArchive(w, todo) })
		return make([]name.Reference, len(images)), err
	}
	untagged := make([]item, len(todo))
	for i, it := range todo {
		untagged[i] = item{artifact: it.load, load: it.load}
	}
	if err := d.load(ctx, func(w io.Writer) error { return writeDockerArchive(w, untagged) }); err != nil {
		return nil, err
	}
	for _, it := range todo {
		if err := d.tag(ctx, it); err != nil {
			return nil, err
		}
	}
	return make([]name.Reference, len(images)), nil
}

// multiPlatform reports whether any image has several platforms.
func multiPlatform(images []*Image) bool {
	for _, res := range images {
		if len(res.Images) > 1 {
			return true
		}
	}
	return false
}

// item is what the engine gets of res: every platform when it keeps them
// all, else the one matching the engine, with the others reported.
func (d *Daemon) item(res *Image, eng engineInfo) (item, error) {
	names := res.Names
	if d.Names != nil {
		names = d.Names(res)
	}
	if len(names) == 0 {
		return item{}, fmt.Errorf("loading %s: no name to load it under", res.ImportPath)
	}
	pick := res.Images[0]
	for _, pi := range res.Images {
		if pi.Platform.OS == eng.os && pi.Platform.Arch == eng.arch {
			pick = pi
			break
		}
	}
	it := item{artifact: res.Artifact(), tags: names, load: pick.Image}
	if eng.keepsAll || len(res.Images) == 1 {
		return it, nil
	}
	var skipped []platform.Platform
	for _, pi := range res.Images {
		if pi.Platform != pick.Platform {
			skipped = append(skipped, pi.Platform)
		}
	}
	if d.Skipped != nil {
		d.Skipped(res, pick.Platform, skipped)
	}
	return it, nil
}

// present reports whether the engine holds it.load under every name
// already, by image ID (the config's digest in both Docker and podman).
// Any doubt means no: loading again is always right.
func (d *Daemon) present(ctx context.Context, it item) bool {
	cfg, err := it.load.ConfigName()
	if err != nil {
		return false
	}
	for _, t := range it.tags {
		var img struct{ Id string }
		if _, err := d.get(ctx, "/images/"+t.String()+"/json", &img); err != nil {
			return false
		}
		if strings.TrimPrefix(img.Id, "sha256:") != cfg.Hex {
			return false
		}
	}
	return true
}

// load streams an archive to POST /images/load and reads the engine's
// progress stream, which reports errors after a 200 status.
func (d *Daemon) load(ctx context.Context, write func(io.Writer) error) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw)) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://engine/images/load?quiet=1", pr)
	if err != nil {
		pr.Close()
		return err
	}
	req.Header.Set("Content-Type", "application/x-tar")
	resp, err := d.client.Do(req)
	if err != nil {
		pr.CloseWithError(err)
		return d.fail(err)
	}
	defer resp.Body.Close()
	if err := d.status(resp); err != nil {
		return err
	}
	s := bufio.NewScanner(resp.Body)
	s.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for s.Scan() {
		var msg struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(s.Bytes(), &msg) == nil && msg.Error != "" {
			return &DaemonError{Host: d.host, Problem: EngineRefused, Err: fmt.Errorf("loading images: %s", msg.Error)}
		}
	}
	if err := s.Err(); err != nil {
		return d.fail(err)
	}
	return nil
}

// tag names the loaded image (by its ID) with every name of it.
func (d *Daemon) tag(ctx context.Context, it item) error {
	cfg, err := it.load.ConfigName()
	if err != nil {
		return err
	}
	for _, t := range it.tags {
		q := url.Values{"repo": {t.Context().Name()}, "tag": {t.TagStr()}}
		u := "http://engine/images/" + cfg.String() + "/tag?" + q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
		if err != nil {
			return err
		}
		resp, err := d.client.Do(req)
		if err != nil {
			return d.fail(err)
		}
		err = d.status(resp)
		resp.Body.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// Save writes the engine's image called ref to w as `docker save` does
// (GET /images/NAME/get): manifest.json, the config and the layers.
func (d *Daemon) Save(ctx context.Context, ref string, w io.Writer) error {
	if err := d.connect(); err != nil {
		return err
	}
	body, err := d.open(ctx, "/images/"+ref+"/get")
	if err != nil {
		return err
	}
	defer body.Close()
	if _, err := io.Copy(w, body); err != nil {
		return d.fail(err)
	}
	return nil
}

// get GETs path and decodes the JSON answer into v (when not nil).
func (d *Daemon) get(ctx context.Context, path string, v any) ([]byte, error) {
	body, err := d.open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, d.fail(err)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			return nil, &DaemonError{Host: d.host, Problem: EngineRefused, Err: fmt.Errorf("GET %s: %w", path, err)}
		}
	}
	return b, nil
}

// open GETs path and returns the answer's body, once its status says
// success.
func (d *Daemon) open(ctx context.Context, path string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://engine"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, d.fail(err)
	}
	if err := d.status(resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp.Body, nil
}

// status turns an error status into a DaemonError with the engine's
// message.
func (d *Daemon) status(resp *http.Response) error {
	if resp.StatusCode/100 == 2 {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64*1024))
	var msg struct {
		Message string `json:"message"`
	}
	text := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &msg) == nil && msg.Message != "" {
		text = msg.Message
	}
	return &DaemonError{Host: d.host, Problem: EngineRefused,
		Err: fmt.Errorf("%s %s: %s: %s", resp.Request.Method, resp.Request.URL.Path, resp.Status, text)}
}

// fail classifies a transport error: no engine at the address (the dial
// failed), a socket this user may not open, or an engine that took the
// connection and then dropped it or stopped answering.
func (d *Daemon) fail(err error) error {
	var de *DaemonError
	if errors.As(err, &de) {
		return de
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is made up; the host says where
	}
	var op *net.OpError
	p := EngineStopped
	switch {
	case errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		p = EnginePermissionDenied
	case errors.As(err, &op) && op.Op == "dial":
		p = EngineUnreachable
	}
	return &DaemonError{Host: d.host, Problem: p, Err: err}
}

// Close releases the engine connections.
func (d *Daemon) Close() error {
	if d.client != nil {
		d.client.CloseIdleConnections()
	}
	return nil
}
