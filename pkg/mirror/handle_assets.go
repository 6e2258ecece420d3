package mirror

import (
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
)

const mediaTypeOctetStream = "application/octet-stream"

// asset serves GET /repos/{owner}/{repo}/releases/assets/{id}: the asset's
// JSON, or, when the client accepts application/octet-stream, a 302 to its
// download URL. GitHub redirects too, and go-github relies on it:
// DownloadReleaseAsset stops at the redirect and follows it with the
// caller's client (or returns the URL).
func (s *server) asset(w http.ResponseWriter, r *http.Request) {
	names, id, recs, ok := s.releasesAndID(w, r)
	if !ok {
		return
	}
	urls := s.repoURLs(r, names[0], names[1])
	for _, rec := range recs {
		for _, a := range rec.Assets {
			if a.ID != id {
				continue
			}
			out := urls.asset(rec, a)
			// The answer depends on Accept; shared caches must know.
			w.Header().Add("Vary", "Accept")
			if acceptsOctetStream(r.Header.Values("Accept")) {
				http.Redirect(w, r, out.BrowserDownloadURL, http.StatusFound)
				return
			}
			s.writeJSON(w, r, out)
			return
		}
	}
	s.notFound(w, r)
}

// acceptsOctetStream reports whether application/octet-stream is among
// the media types listed in Accept headers.
func acceptsOctetStream(headers []string) bool {
	for _, h := range headers {
		for _, part := range strings.Split(h, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mt == mediaTypeOctetStream {
				return true
			}
		}
	}
	return false
}

// download serves GET /{owner}/{repo}/releases/download/{tag}/{name}, the
// browser_download_url. Only assets listed in the release's record are
// served, so a stray file in an assets directory stays private. Range and
// conditional requests are handled by http.ServeContent.
func (s *server) download(w http.ResponseWriter, r *http.Request) {
	names, ok := s.pathNames(w, r, "owner", "repo", "tag", "name")
	if !ok {
		return
	}
	owner, repo, tag, name := names[0], names[1], names[2], names[3]
	rec, err := loadRelease(s.dir, owner, repo, tag, s.log)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var asset *assetRecord
	for i := range rec.Assets {
		if rec.Assets[i].Name == name {
			asset = &rec.Assets[i]
		}
	}
	if asset == nil {
		s.notFound(w, r)
		return
	}
	f, err := os.Open(assetPath(s.dir, owner, repo, tag, name))
	if err != nil {
		s.fail(w, r, fmt.Errorf("asset listed in release.json: %w", err))
		return
	}
	defer f.Close()
	if err := checkAssetFile(f, *asset); err != nil {
		s.internalError(w, r, fmt.Errorf("%s: %w", f.Name(), err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", mediaTypeOctetStream)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	// Ids are never reused and assets never change, so the id is a strong
	// validator; it lets If-Range resume an interrupted download.
	h.Set("ETag", `"asset-`+strconv.FormatInt(asset.ID, 10)+`"`)
	http.ServeContent(w, r, "", asset.UpdatedAt, f)
}

// checkAssetFile refuses to serve a file whose size differs from the one
// the JSON announced: a client would see a truncated or padded download
// with no explanation.
func checkAssetFile(f *os.File, a assetRecord) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: not a regular file", fs.ErrInvalid)
	}
	if fi.Size() != a.Size {
		return fmt.Errorf("%w: file has %d bytes, release.json says %d", ErrSizeMismatch, fi.Size(), a.Size)
	}
	return nil
}
