package releases

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// ErrBadSignature is returned when SHA256SUMS.sig does not verify against
// the configured keys; ErrUnsigned when keys are configured but the release
// carries no signature.
var (
	ErrBadSignature = errors.New("releases: bad signature")
	ErrUnsigned     = errors.New("releases: release is not signed")
)

// Verifier checks SHA256SUMS signatures. The zero Verifier (no keys)
// accepts unsigned releases; with keys, a release must be signed by one.
//
// OpenPGP was chosen over bare ed25519 because release signing on Debian
// sites already uses gpg (`gpg --detach-sign SHA256SUMS`) and keys rotate
// through keyrings; ProtonMail/go-crypto is the maintained fork of
// x/crypto/openpgp (which is frozen). See docs/releases.md.
type Verifier struct {
	keys openpgp.EntityList
}

// NewVerifier parses ASCII-armored public keys (config signing-keys);
// blank input gives a Verifier that requires no signature.
func NewVerifier(armored string) (*Verifier, error) {
	if strings.TrimSpace(armored) == "" {
		return &Verifier{}, nil
	}
	keys, err := openpgp.ReadArmoredKeyRing(strings.NewReader(armored))
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	if len(keys) == 0 {
		return nil, errors.New("signing keys: no keys found")
	}
	return &Verifier{keys: keys}, nil
}

// Required reports whether releases must be signed.
func (v *Verifier) Required() bool { return v != nil && len(v.keys) > 0 }

// Verify checks a detached signature (armored or binary) of signed.
func (v *Verifier) Verify(signed, sig []byte) error {
	if !v.Required() {
		return nil
	}
	var err error
	if bytes.HasPrefix(bytes.TrimSpace(sig), []byte("-----BEGIN PGP SIGNATURE-----")) {
		_, err = openpgp.CheckArmoredDetachedSignature(v.keys, bytes.NewReader(signed), bytes.NewReader(sig), nil)
	} else {
		_, err = openpgp.CheckDetachedSignature(v.keys, bytes.NewReader(signed), bytes.NewReader(sig), nil)
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadSignature, ChecksumsAsset, err)
	}
	return nil
}
