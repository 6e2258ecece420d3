//go:build dctest

package site

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/necoship/neco/pkg/releases"
)

// Signer is a release engineer's OpenPGP key: it signs a release's
// SHA256SUMS as `gpg --armor --detach-sign SHA256SUMS` does
// (docs/releases.md), and its public half is what the operator gives neco
// as signing-keys. The key lives only in the test process.
type Signer struct {
	// Name is the key's user id name, for logs.
	Name   string
	entity *openpgp.Entity
}

// NewSigner makes a fresh key named name. Ed25519: generating an RSA key
// would cost the test seconds for nothing.
func NewSigner(name string) (*Signer, error) {
	e, err := openpgp.NewEntity(name, "dctest release signing", name+"@dctest.invalid",
		&packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		return nil, fmt.Errorf("site: signing key %s: %w", name, err)
	}
	return &Signer{Name: name, entity: e}, nil
}

// PublicKey is the key's public half, ASCII-armored: the value of
// `neco config set signing-keys -`.
func (s *Signer) PublicKey() (string, error) {
	var b strings.Builder
	w, err := armor.Encode(&b, openpgp.PublicKeyType, nil)
	if err != nil {
		return "", err
	}
	if err := s.entity.Serialize(w); err != nil {
		return "", fmt.Errorf("site: public key of %s: %w", s.Name, err)
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// detachSign is an armored detached signature of data, the format
// releases.Verifier reads first.
func (s *Signer) detachSign(data []byte) ([]byte, error) {
	var sig bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&sig, s.entity, bytes.NewReader(data), nil); err != nil {
		return nil, fmt.Errorf("site: sign with %s: %w", s.Name, err)
	}
	return sig.Bytes(), nil
}

// verificationFiles writes into dir the SHA256SUMS (and SHA256SUMS.sig)
// that r publishes beside the package deb, and returns their paths. None
// for a plain release: the mirror then generates SHA256SUMS itself, as
// `neco mirror publish` does for an SRE. The names are pkg/releases' own,
// the ones a worker asks the mirror for.
func verificationFiles(dir string, r Release, deb string) ([]string, error) {
	if !r.CorruptChecksums && r.SignedBy == nil {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sum, err := fileSHA256(deb)
	if err != nil {
		return nil, err
	}
	if r.CorruptChecksums {
		sum = fmt.Sprintf("%064x", 1)
	}
	sums := []byte(sum + "  " + filepath.Base(deb) + "\n")
	files := []string{filepath.Join(dir, releases.ChecksumsAsset)}
	if err := os.WriteFile(files[0], sums, 0o644); err != nil {
		return nil, err
	}
	if r.SignedBy == nil {
		return files, nil
	}
	sig, err := r.SignedBy.detachSign(sums)
	if err != nil {
		return nil, err
	}
	files = append(files, filepath.Join(dir, releases.SignatureAsset))
	return files, os.WriteFile(files[1], sig, 0o644)
}

// fileSHA256 is the lowercase hex sha256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}
