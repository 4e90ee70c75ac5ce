package layers

import (
	"bytes"
	"encoding/pem"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

func TestMozillaRoots(t *testing.T) {
	got := MozillaRoots()
	if !bytes.Equal(got, MozillaRoots()) {
		t.Fatal("MozillaRoots differs between calls")
	}
	again, kept, excluded := encodeRoots()
	if !bytes.Equal(got, again) {
		t.Fatal("encoding the bundle twice gives different bytes")
	}
	n, err := ParseCABundle(got)
	if err != nil {
		t.Fatal(err)
	}
	if n != kept || n <= 100 {
		t.Errorf("ParseCABundle = %d, kept %d; want equal and above 100", n, kept)
	}
	t.Logf("%d roots included, %d with a distrust-after constraint left out", kept, excluded)

	// The PEM holds exactly the unconstrained roots, in bundle order.
	var want [][]byte
	for r := range bundle.Roots() {
		if r.Constraint == nil {
			want = append(want, r.Certificate)
		}
	}
	var pemDER [][]byte
	for b, rest := pem.Decode(got); b != nil; b, rest = pem.Decode(rest) {
		pemDER = append(pemDER, b.Bytes)
	}
	if len(pemDER) != len(want) {
		t.Fatalf("PEM has %d certificates, bundle %d unconstrained roots", len(pemDER), len(want))
	}
	for i := range want {
		if !bytes.Equal(pemDER[i], want[i]) {
			t.Fatalf("certificate %d is not the bundle's root %d", i+1, i+1)
		}
	}
}

func TestParseCABundle(t *testing.T) {
	var certs []string
	for b, rest := pem.Decode(MozillaRoots()); b != nil && len(certs) < 2; b, rest = pem.Decode(rest) {
		certs = append(certs, string(pem.EncodeToMemory(b)))
	}
	key := "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
	broken := "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	for _, tc := range []struct {
		name    string
		pem     string
		want    int
		wantErr string
	}{
		{"one", certs[0], 1, ""},
		{"two with text around", "# roots\n" + certs[0] + "\nsome comment\n" + certs[1], 2, ""},
		{"other blocks skipped", key + certs[0], 1, ""},
		{"empty", "", 0, "holds no valid PEM certificate"},
		{"not PEM", "hello\n", 0, "holds no valid PEM certificate"},
		{"only a key", key, 0, "holds no valid PEM certificate"},
		{"broken first", broken + certs[0], 0, "PEM block 1 (CERTIFICATE) does not parse"},
		{"broken third block", certs[0] + key + broken, 0, "PEM block 3 (CERTIFICATE) does not parse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ParseCABundle([]byte(tc.pem))
			if tc.wantErr == "" {
				if err != nil || n != tc.want {
					t.Errorf("ParseCABundle = %d, %v; want %d", n, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseCABundle = %d, %v; want an error containing %q", n, err, tc.wantErr)
			}
		})
	}
}

func TestCACertEntries(t *testing.T) {
	for _, tc := range []struct {
		name string
		pem  []byte
	}{
		{"mozilla", MozillaRoots()},
		{"custom", []byte("custom bundle\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es := CACertEntries(tc.pem)
			if len(es) != 1 {
				t.Fatalf("%d entries, want 1", len(es))
			}
			e := es[0]
			if e.Path != CABundlePath || e.Mode != 0o644 || e.UID != 0 || e.GID != 0 || e.Size != int64(len(tc.pem)) {
				t.Errorf("entry = %+v", e)
			}
			for range 2 { // re-openable
				rc, err := e.Open()
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				if !bytes.Equal(b, tc.pem) {
					t.Fatal("content differs from the PEM given")
				}
			}
			l, err := Build(mustCache(t), es, Options{})
			if err != nil {
				t.Fatal(err)
			}
			f, ok := readLayer(t, l)["etc/ssl/certs/ca-certificates.crt"]
			if !ok || f.hdr.Mode != 0o644 || f.hdr.Uid != 0 || f.data != string(tc.pem) {
				t.Errorf("layer file = %+v, present %v", f.hdr, ok)
			}
		})
	}
}

// The test binary is built with the fallback module, so its version is
// known, as in mingo itself.
func TestMozillaRootsVersion(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := ""
	for _, line := range strings.Split(string(mod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == FallbackModule {
			want = f[1]
		}
	}
	if v := MozillaRootsVersion(); want == "" || v != want {
		t.Errorf("MozillaRootsVersion = %q, want %q from go.mod", v, want)
	}
}
