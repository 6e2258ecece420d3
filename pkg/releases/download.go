package releases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/necoship/neco/pkg/model"
)

// ErrTruncated is returned when a download ends short of the asset's
// size; ErrNoSpace when the disk (or quota) fills during a download.
// Either way nothing of the download is kept.
var (
	ErrTruncated = errors.New("releases: truncated download")
	ErrNoSpace   = errors.New("releases: no space left for the download")
)

const octetStream = "application/octet-stream"

// Verified is an asset that was downloaded and checked.
type Verified struct {
	Path   string // final location, dir/name
	SHA256 string // lowercase hex
	Size   int64
	Signed bool // SHA256SUMS was signed by a configured key
}

// DownloadAsset streams one asset to w through the API asset URL with
// Accept: application/octet-stream (the browser URL does not take a token
// for private repositories). It stops with ErrTooLarge as soon as the
// stream passes the size the release declares, or Options.MaxAssetSize:
// a server that streams forever costs one byte more than the asset.
// Opening the download is retried; a failure mid-stream is returned,
// since bytes already went to w.
func (c *Client) DownloadAsset(ctx context.Context, a model.Asset, w io.Writer) error {
	if a.Size > c.maxAssetSize {
		return fmt.Errorf("download %s: %w: the release declares %d bytes, more than the limit of %d (max-asset-size)",
			a.Name, ErrTooLarge, a.Size, c.maxAssetSize)
	}
	if a.Size > 0 {
		return c.downloadAsset(ctx, a, w, a.Size, "the size its release declares")
	}
	return c.downloadAsset(ctx, a, w, c.maxAssetSize, "max-asset-size")
}

// downloadAsset streams a to w, stopping at limit bytes; why names the
// limit in the error.
func (c *Client) downloadAsset(ctx context.Context, a model.Asset, w io.Writer, limit int64, why string) error {
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
	if _, err := io.Copy(w, newBoundedReader(rc, limit, a.Name+" ("+why+")")); err != nil {
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
// digest, then renames it into place. Whatever fails, the temporary file
// is removed.
func (c *Client) downloadTo(ctx context.Context, a model.Asset, dir, wantSHA, source string) (string, int64, error) {
	tmp, err := os.CreateTemp(dir, ".neco-download-*")
	if err != nil {
		return "", 0, diskError(err, dir, a, 0)
	}
	keep := false
	defer func() {
		if !keep {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	cw := &countingWriter{w: io.MultiWriter(tmp, h)}
	if err := c.DownloadAsset(ctx, a, cw); err != nil {
		return "", 0, diskError(err, dir, a, cw.n)
	}
	if a.Size > 0 && cw.n != a.Size {
		return "", 0, fmt.Errorf("%w: got %d of %d bytes", ErrTruncated, cw.n, a.Size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != wantSHA {
		return "", 0, fmt.Errorf("%w: got %s, %s says %s", ErrChecksumMismatch, got, source, wantSHA)
	}
	// Some filesystems allocate at write-back: a full disk may show only
	// now, and must not leave a file that looks complete.
	if err := tmp.Sync(); err != nil {
		return "", 0, diskError(err, dir, a, cw.n)
	}
	if err := tmp.Close(); err != nil {
		return "", 0, diskError(err, dir, a, cw.n)
	}
	final := filepath.Join(dir, a.Name)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", 0, err
	}
	keep = true
	return final, cw.n, nil
}

// diskError names a full disk as such, with where and how far the
// download got; other errors pass unchanged.
func diskError(err error, dir string, a model.Asset, written int64) error {
	if !errors.Is(err, syscall.ENOSPC) && !errors.Is(err, syscall.EDQUOT) {
		return err
	}
	return fmt.Errorf("%w: %s in %s after %d of %d bytes: %w", ErrNoSpace, a.Name, dir, written, a.Size, err)
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
