package releases

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/necoship/neco/pkg/model"
)

// ErrTruncated is returned when a download ends short of the asset's size.
var ErrTruncated = errors.New("releases: truncated download")

// Verified is an asset that was downloaded and checked.
type Verified struct {
	Path   string // final location, dir/name
	SHA256 string // lowercase hex
	Size   int64
	Signed bool // SHA256SUMS was signed by a configured key
}

// DownloadAsset streams one asset to w through the API asset URL with
// Accept: application/octet-stream (the browser URL does not take a token
// for private repositories). Opening the download is retried; a failure
// mid-stream is returned, since bytes already went to w.
func (c *Client) DownloadAsset(ctx context.Context, a model.Asset, w io.Writer) error {
	var rc io.ReadCloser
	err := c.retry(ctx, "download "+a.Name, func(ctx context.Context) error {
		var err error
		rc, _, err = c.gh.Repositories.DownloadReleaseAsset(ctx, c.owner, c.name, a.ID, c.download)
		return err
	})
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("download %s: %w", a.Name, err)
	}
	return nil
}

// FetchVerified downloads asset name of rel into dir and returns it only
// once it is proven: SHA256SUMS is fetched first (and its signature checked
// when v requires one), the asset streams into a temporary file in dir
// while its sha256 is computed, and only a matching file is renamed to
// dir/name. On any failure nothing is left in dir.
func (c *Client) FetchVerified(ctx context.Context, rel model.Release, name, dir string, v *Verifier) (Verified, error) {
	if err := checkAssetName(name); err != nil {
		return Verified{}, fmt.Errorf("fetch %s: %w", rel.Tag, err)
	}
	sums, signed, err := c.checksums(ctx, rel, v)
	if err != nil {
		return Verified{}, fmt.Errorf("verify %s: %w", rel.Tag, err)
	}
	want, ok := sums[name]
	if !ok {
		return Verified{}, fmt.Errorf("verify %s: %s has no entry for %s", rel.Tag, ChecksumsAsset, name)
	}
	a, ok := rel.Asset(name)
	if !ok {
		return Verified{}, fmt.Errorf("fetch %s: release has no asset %s", rel.Tag, name)
	}
	got, size, err := c.downloadTo(ctx, a, dir, want, ChecksumsAsset)
	if err != nil {
		return Verified{}, fmt.Errorf("fetch %s from %s: %w", name, rel.Tag, err)
	}
	return Verified{Path: got, SHA256: want, Size: size, Signed: signed}, nil
}

// FetchPinned downloads asset name of rel into dir like FetchVerified, but
// checks it against sha256 given by the caller (a plan's pinned digest for
// a package of another repository) instead of the release's SHA256SUMS.
func (c *Client) FetchPinned(ctx context.Context, rel model.Release, name, dir, sha256 string) (Verified, error) {
	if err := checkAssetName(name); err != nil {
		return Verified{}, fmt.Errorf("fetch %s: %w", rel.Tag, err)
	}
	if len(sha256) != 64 || strings.Trim(sha256, "0123456789abcdef") != "" {
		return Verified{}, fmt.Errorf("fetch %s from %s: pinned sha256 %q: want 64 lowercase hex digits", name, rel.Tag, sha256)
	}
	a, ok := rel.Asset(name)
	if !ok {
		return Verified{}, fmt.Errorf("fetch %s: release has no asset %s", rel.Tag, name)
	}
	got, size, err := c.downloadTo(ctx, a, dir, sha256, "the plan")
	if err != nil {
		return Verified{}, fmt.Errorf("fetch %s from %s: %w", name, rel.Tag, err)
	}
	return Verified{Path: got, SHA256: sha256, Size: size}, nil
}

func checkAssetName(name string) error {
	if name == "" || strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." {
		return fmt.Errorf("bad asset name %q", name)
	}
	return nil
}

// downloadTo streams a into a temporary file in dir, checks size and
// digest, then renames it into place.
func (c *Client) downloadTo(ctx context.Context, a model.Asset, dir, wantSHA, source string) (string, int64, error) {
	tmp, err := os.CreateTemp(dir, ".neco-download-*")
	if err != nil {
		return "", 0, err
	}
	keep := false
	defer func() {
		_ = tmp.Close()
		if !keep {
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	cw := &countingWriter{w: io.MultiWriter(tmp, h)}
	if err := c.DownloadAsset(ctx, a, cw); err != nil {
		return "", 0, err
	}
	if a.Size > 0 && cw.n != a.Size {
		return "", 0, fmt.Errorf("%w: got %d of %d bytes", ErrTruncated, cw.n, a.Size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != wantSHA {
		return "", 0, fmt.Errorf("%w: got %s, %s says %s", ErrChecksumMismatch, got, source, wantSHA)
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, err
	}
	final := filepath.Join(dir, a.Name)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", 0, err
	}
	keep = true
	return final, cw.n, nil
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

// fetchSmall reads a small asset (checksums, signature) into memory.
func (c *Client) fetchSmall(ctx context.Context, rel model.Release, name string) ([]byte, error) {
	a, ok := rel.Asset(name)
	if !ok {
		return nil, fmt.Errorf("release has no %s asset", name)
	}
	if a.Size > maxChecksumsSize {
		return nil, fmt.Errorf("%s is %d bytes; refusing more than %d", name, a.Size, maxChecksumsSize)
	}
	var buf bytes.Buffer
	lw := &limitedWriter{w: &buf, left: maxChecksumsSize}
	if err := c.DownloadAsset(ctx, a, lw); err != nil {
		return nil, err
	}
	if a.Size > 0 && int64(buf.Len()) != a.Size {
		return nil, fmt.Errorf("%s: %w: got %d of %d bytes", name, ErrTruncated, buf.Len(), a.Size)
	}
	return buf.Bytes(), nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// limitedWriter fails once more than left bytes are written, so a server
// that lies about a small asset's size cannot fill memory.
type limitedWriter struct {
	w    io.Writer
	left int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.left {
		return 0, fmt.Errorf("asset larger than %d bytes", maxChecksumsSize)
	}
	l.left -= int64(len(p))
	return l.w.Write(p)
}
