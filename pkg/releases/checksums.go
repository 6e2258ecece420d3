package releases

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/necoship/neco/pkg/model"
)

// Names of the verification assets every release carries.
const (
	ChecksumsAsset = "SHA256SUMS"
	SignatureAsset = "SHA256SUMS.sig"
)

// ErrChecksumMismatch is returned when a download's sha256 differs from
// SHA256SUMS; nothing of the download is kept.
var ErrChecksumMismatch = errors.New("releases: sha256 mismatch")

// Checksums maps asset names to lowercase hex sha256 digests.
type Checksums map[string]string

// ParseChecksums reads sha256sum(1) output: "<64 hex>  <name>" or
// "<64 hex> *<name>" per line. Blank lines are skipped; anything else, a
// duplicate name or a name with a path is an error naming the line.
func ParseChecksums(b []byte) (Checksums, error) {
	sums := Checksums{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		sum, name, err := parseChecksumLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", ChecksumsAsset, n, err)
		}
		if _, dup := sums[name]; dup {
			return nil, fmt.Errorf("%s line %d: duplicate entry for %q", ChecksumsAsset, n, name)
		}
		sums[name] = sum
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", ChecksumsAsset, err)
	}
	return sums, nil
}

func parseChecksumLine(line string) (sum, name string, err error) {
	if len(line) < 66 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*') {
		return "", "", errors.New(`want "<64 hex digits>  <name>"`)
	}
	sum = strings.ToLower(line[:64])
	if _, err := hex.DecodeString(sum); err != nil {
		return "", "", fmt.Errorf("digest: %w", err)
	}
	name = line[66:]
	if name == "" || strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." {
		return "", "", fmt.Errorf("bad file name %q", name)
	}
	return sum, name, nil
}

// checksums fetches SHA256SUMS and, when v requires it, verifies
// SHA256SUMS.sig before trusting a single line of it.
func (c *Client) checksums(ctx context.Context, rel model.Release, v *Verifier) (Checksums, bool, error) {
	raw, err := c.fetchSmall(ctx, rel, ChecksumsAsset)
	if err != nil {
		return nil, false, err
	}
	signed := false
	if v.Required() {
		if _, ok := rel.Asset(SignatureAsset); !ok {
			return nil, false, fmt.Errorf("%w: no %s asset", ErrUnsigned, SignatureAsset)
		}
		sig, err := c.fetchSmall(ctx, rel, SignatureAsset)
		if err != nil {
			return nil, false, err
		}
		if err := v.Verify(raw, sig); err != nil {
			return nil, false, err
		}
		signed = true
	}
	sums, err := ParseChecksums(raw)
	return sums, signed, err
}

// fetchSmall reads a small asset (checksums, signature) into memory: at
// most maxChecksumsSize, and no more than it declares.
func (c *Client) fetchSmall(ctx context.Context, rel model.Release, name string) ([]byte, error) {
	a, ok := rel.Asset(name)
	if !ok {
		return nil, fmt.Errorf("release has no %s asset", name)
	}
	if a.Size > maxChecksumsSize {
		return nil, fmt.Errorf("%s: %w: the release declares %d bytes, more than %d", name, ErrTooLarge, a.Size, maxChecksumsSize)
	}
	limit, why := int64(maxChecksumsSize), "the limit for checksums and signatures"
	if a.Size > 0 {
		limit, why = a.Size, "the size its release declares"
	}
	var buf bytes.Buffer
	if err := c.downloadAsset(ctx, a, &buf, limit, why); err != nil {
		return nil, err
	}
	if a.Size > 0 && int64(buf.Len()) != a.Size {
		return nil, fmt.Errorf("%s: %w: got %d of %d bytes", name, ErrTruncated, buf.Len(), a.Size)
	}
	return buf.Bytes(), nil
}
