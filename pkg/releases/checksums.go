package releases

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Names of the verification assets every release carries.
const (
	ChecksumsAsset = "SHA256SUMS"
	SignatureAsset = "SHA256SUMS.sig"
)

// maxChecksumsSize bounds SHA256SUMS and its signature, which are read
// into memory: a few lines of text, never megabytes.
const maxChecksumsSize = 1 << 20

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
