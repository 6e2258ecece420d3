package mirror

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// ErrCorrupt is wrapped when a file of the mirror (release.json, .next-id)
// cannot be decoded or breaks an invariant.
var ErrCorrupt = errors.New("mirror: corrupt mirror file")

// maxRecordSize bounds release.json. A release body is free text, but a
// record of megabytes is damage or abuse, and the server reads every record
// of a repository on each list request.
const maxRecordSize = 1 << 20

// releaseRecord is release.json: the stored part of a release. Everything
// else the API returns (URLs, node ids, author) is derived when serving.
type releaseRecord struct {
	ID          int64         `json:"id"`
	TagName     string        `json:"tag_name"`
	Name        string        `json:"name"`
	Body        string        `json:"body"`
	Draft       bool          `json:"draft"`
	Prerelease  bool          `json:"prerelease"`
	CreatedAt   time.Time     `json:"created_at"`
	PublishedAt time.Time     `json:"published_at"`
	Assets      []assetRecord `json:"assets"`
}

// assetRecord is one element of release.json's assets.
type assetRecord struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// readRecord reads and validates the release.json at path. tag is the name
// of its directory, which the record must agree with: the URL a release is
// served under and the tag it reports must never differ.
func readRecord(path, tag string) (releaseRecord, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return releaseRecord{}, err
	}
	if len(b) > maxRecordSize {
		return releaseRecord{}, fmt.Errorf("%w: %s: larger than %d bytes", ErrCorrupt, path, maxRecordSize)
	}
	// Unknown fields are allowed so that an older server can read a record
	// written by a newer neco.
	var rec releaseRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return releaseRecord{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	if err := rec.validate(tag); err != nil {
		return releaseRecord{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	return rec, nil
}

// validate checks what the server relies on: positive ids, a tag matching
// the directory, and asset names that are safe, unique path elements.
func (r releaseRecord) validate(tag string) error {
	if r.ID <= 0 {
		return fmt.Errorf("release id %d is not positive", r.ID)
	}
	if r.TagName != tag {
		return fmt.Errorf("tag_name %q does not match directory %q", r.TagName, tag)
	}
	seen := make(map[string]bool, len(r.Assets))
	for _, a := range r.Assets {
		if err := checkName(a.Name); err != nil {
			return fmt.Errorf("asset: %w", err)
		}
		if seen[a.Name] {
			return fmt.Errorf("asset %q listed twice", a.Name)
		}
		seen[a.Name] = true
		if a.ID <= 0 || a.Size < 0 {
			return fmt.Errorf("asset %q: bad id %d or size %d", a.Name, a.ID, a.Size)
		}
	}
	return nil
}

// model converts the record to neco's domain type. Prefix and Version are
// filled only when the tag has neco's PREFIX-VERSION form; the mirror
// serves any tag, and deciding what an unparsable tag means is the
// client's business. Asset URLs stay empty: the public URL of a mirror is
// known only while serving a request.
func (r releaseRecord) model() model.Release {
	rel := model.Release{
		Tag:         r.TagName,
		Prerelease:  r.Prerelease,
		Draft:       r.Draft,
		PublishedAt: r.PublishedAt,
		Assets:      make([]model.Asset, 0, len(r.Assets)),
	}
	if prefix, version, ok := strings.Cut(r.TagName, "-"); ok {
		if v, err := model.ParseVersion(version); err == nil {
			rel.Prefix, rel.Version = prefix, v
		}
	}
	for _, a := range r.Assets {
		rel.Assets = append(rel.Assets, model.Asset{ID: a.ID, Name: a.Name, Size: a.Size})
	}
	return rel
}

// contentTypes maps asset name suffixes to the media types GitHub reports.
// A fixed table rather than mime.TypeByExtension, whose answers depend on
// the host's /etc/mime.types, so the same mirror serves the same JSON
// (and ETags) everywhere.
var contentTypes = []struct{ suffix, mediaType string }{
	{".deb", "application/vnd.debian.binary-package"},
	{".tar.gz", "application/gzip"},
	{".tgz", "application/gzip"},
	{".gz", "application/gzip"},
	{".zip", "application/zip"},
	{".json", "application/json"},
	{".yaml", "application/yaml"},
	{".yml", "application/yaml"},
	{".sig", "application/pgp-signature"},
	{".asc", "application/pgp-signature"},
	{".txt", "text/plain"},
	{"SHA256SUMS", "text/plain"},
}

// contentType guesses an asset's media type from its name.
func contentType(name string) string {
	for _, ct := range contentTypes {
		if strings.HasSuffix(name, ct.suffix) {
			return ct.mediaType
		}
	}
	return "application/octet-stream"
}
