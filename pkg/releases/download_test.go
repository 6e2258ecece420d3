package releases

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

const pkgName = "site_2026.11.23-1_amd64.deb"

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func sumsFor(files map[string][]byte) []byte {
	var b bytes.Buffer
	for name, data := range files {
		fmt.Fprintf(&b, "%s  %s\n", sha256Hex(data), name)
	}
	return b.Bytes()
}

// signer is an OpenPGP key pair made for one test.
type signer struct {
	entity *openpgp.Entity
	public string // armored public key, as in config signing-keys
}

func newSigner(t *testing.T, name string) *signer {
	t.Helper()
	e, err := openpgp.NewEntity(name, "", name+"@example.com", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatal(err)
	}
	var pub bytes.Buffer
	w, err := armor.Encode(&pub, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return &signer{entity: e, public: pub.String()}
}

func (s *signer) sign(t *testing.T, data []byte, armored bool) []byte {
	t.Helper()
	var sig bytes.Buffer
	var err error
	if armored {
		err = openpgp.ArmoredDetachSign(&sig, s.entity, bytes.NewReader(data), nil)
	} else {
		err = openpgp.DetachSign(&sig, s.entity, bytes.NewReader(data), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig.Bytes()
}

func TestFetchVerified(t *testing.T) {
	good := newSigner(t, "release")
	other := newSigner(t, "mallory")
	payload := bytes.Repeat([]byte("deb payload "), 10000)
	sums := sumsFor(map[string][]byte{pkgName: payload})
	otherSums := sumsFor(map[string][]byte{pkgName: []byte("something else")})

	tests := []struct {
		name       string
		keys       string // armored signing keys; "" = none required
		assets     []*fakeAsset
		want       error  // nil = success
		wantInErr  string // extra text the error must carry
		wantSigned bool
	}{
		{name: "unsigned, no keys", assets: []*fakeAsset{{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sums}}},
		{name: "armored signature", keys: good.public, wantSigned: true, assets: []*fakeAsset{
			{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sums}, {name: SignatureAsset, data: good.sign(t, sums, true)}}},
		{name: "binary signature", keys: good.public, wantSigned: true, assets: []*fakeAsset{
			{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sums}, {name: SignatureAsset, data: good.sign(t, sums, false)}}},
		{name: "sha256 mismatch", want: ErrChecksumMismatch, assets: []*fakeAsset{
			{name: pkgName, data: payload}, {name: ChecksumsAsset, data: otherSums}}},
		{name: "truncated asset", want: ErrTruncated, assets: []*fakeAsset{
			{name: pkgName, data: payload[:1000], size: int64(len(payload))}, {name: ChecksumsAsset, data: sums}}},
		{name: "unsigned but keys configured", keys: good.public, want: ErrUnsigned, assets: []*fakeAsset{
			{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sums}}},
		{name: "signed by unknown key", keys: good.public, want: ErrBadSignature, assets: []*fakeAsset{
			{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sums}, {name: SignatureAsset, data: other.sign(t, sums, true)}}},
		{name: "checksums altered after signing", keys: good.public, want: ErrBadSignature, assets: []*fakeAsset{
			{name: pkgName, data: payload}, {name: ChecksumsAsset, data: otherSums}, {name: SignatureAsset, data: good.sign(t, sums, true)}}},
		{name: "garbage signature", keys: good.public, want: ErrBadSignature, assets: []*fakeAsset{
			{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sums}, {name: SignatureAsset, data: []byte("not a signature")}}},
		{name: "no checksum entry", wantInErr: "has no entry for " + pkgName, assets: []*fakeAsset{
			{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sumsFor(map[string][]byte{"other.deb": payload})}}},
		{name: "no checksums asset", wantInErr: "no SHA256SUMS asset", assets: []*fakeAsset{{name: pkgName, data: payload}}},
		{name: "malformed checksums", wantInErr: "SHA256SUMS line 1", assets: []*fakeAsset{
			{name: pkgName, data: payload}, {name: ChecksumsAsset, data: []byte("deadbeef " + pkgName + "\n")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t)
			tag := "release-2026.11.23-1"
			f.add(&fakeRelease{tag: tag, assets: tt.assets})
			c, _, _ := newTestClient(t, f, nil)
			v, err := NewVerifier(tt.keys)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			r, err := c.ReleaseByTag(ctx, tag)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			got, err := c.FetchVerified(ctx, r, pkgName, dir, v)
			failing := tt.want != nil || tt.wantInErr != ""
			switch {
			case !failing && err != nil:
				t.Fatal(err)
			case failing && err == nil:
				t.Fatalf("FetchVerified succeeded, want error %v %q", tt.want, tt.wantInErr)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("err = %v, want %v", err, tt.want)
			case tt.wantInErr != "" && !strings.Contains(err.Error(), tt.wantInErr):
				t.Fatalf("err = %v, want it to say %q", err, tt.wantInErr)
			}
			entries, _ := os.ReadDir(dir)
			if failing {
				if len(entries) != 0 {
					t.Errorf("failed fetch left %d files behind: %v", len(entries), entries)
				}
				return
			}
			data, err := os.ReadFile(got.Path)
			if err != nil || !bytes.Equal(data, payload) {
				t.Fatalf("fetched file differs (err %v)", err)
			}
			if len(entries) != 1 || got.SHA256 != sha256Hex(payload) || got.Size != int64(len(payload)) || got.Signed != tt.wantSigned {
				t.Errorf("got %+v with %d files in dir", got, len(entries))
			}
		})
	}
}

func TestFetchVerifiedChecksBeforeDownloading(t *testing.T) {
	good := newSigner(t, "release")
	payload := []byte("payload")
	f := newFakeGitHub(t)
	r := f.add(&fakeRelease{tag: "release-1.0", assets: []*fakeAsset{
		{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sumsFor(map[string][]byte{pkgName: payload})},
	}})
	c, _, _ := newTestClient(t, f, nil)
	v, _ := NewVerifier(good.public)
	rel, err := c.ReleaseByTag(context.Background(), "release-1.0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FetchVerified(context.Background(), rel, pkgName, t.TempDir(), v); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("err = %v, want ErrUnsigned", err)
	}
	pkgAsset := fmt.Sprintf("/assets/%d", r.assets[0].id)
	for _, req := range f.recorded() {
		if strings.HasSuffix(req.URL.Path, pkgAsset) {
			t.Errorf("package was requested (%s) before its checksums were trusted", req.URL.Path)
		}
	}
}

func TestDownloadUsesAPIAssetURL(t *testing.T) {
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "release-1.0", assets: []*fakeAsset{{name: "x", data: []byte("hello")}}})
	c, _, _ := newTestClient(t, f, nil)
	rel, err := c.ReleaseByTag(context.Background(), "release-1.0")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.DownloadAsset(context.Background(), rel.Assets[0], &buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "hello" {
		t.Fatalf("got %q", buf.String())
	}
	reqs := f.recorded()
	api, storage := reqs[len(reqs)-2], reqs[len(reqs)-1]
	if api.Header.Get("Accept") != "application/octet-stream" || api.Header.Get("Authorization") == "" {
		t.Errorf("asset API request: Accept %q, Authorization set %v", api.Header.Get("Accept"), api.Header.Get("Authorization") != "")
	}
	if got := storage.Header.Get("Authorization"); got != "" {
		t.Errorf("token leaked to the redirect target: %q", got)
	}
}

func TestParseChecksums(t *testing.T) {
	h := strings.Repeat("ab", 32)
	tests := []struct {
		in      string
		want    Checksums
		wantErr string
	}{
		{in: h + "  a.deb\n" + strings.ToUpper(h) + " *b.deb\n\n", want: Checksums{"a.deb": h, "b.deb": h}},
		{in: h + "  a.deb\r\n", want: Checksums{"a.deb": h}},
		{in: "", want: Checksums{}},
		{in: h + "  a.deb\n" + h + "  a.deb\n", wantErr: "line 2: duplicate"},
		{in: h + "  ../etc/passwd\n", wantErr: "bad file name"},
		{in: h + "  \n", wantErr: "line 1"},
		{in: strings.Repeat("zz", 32) + "  a.deb\n", wantErr: "digest"},
		{in: h + "\ta.deb\n", wantErr: "line 1"},
	}
	for _, tt := range tests {
		got, err := ParseChecksums([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseChecksums(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseChecksums(%q): %v", tt.in, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("ParseChecksums(%q) = %v, want %v", tt.in, got, tt.want)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("ParseChecksums(%q)[%s] = %q, want %q", tt.in, k, got[k], v)
			}
		}
	}
}

func FuzzParseChecksums(f *testing.F) {
	h := strings.Repeat("0f", 32)
	for _, s := range []string{h + "  a.deb\n", h + " *b\n\n", "garbage", h + "  ../x\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sums, err := ParseChecksums(b)
		if err != nil {
			return
		}
		for name, sum := range sums {
			if len(sum) != 64 || strings.ContainsAny(name, "/\\\x00") || name == "" {
				t.Fatalf("accepted entry %q -> %q", name, sum)
			}
		}
	})
}
