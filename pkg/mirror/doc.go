// Package mirror owns neco's GitHub-compatible release mirror: a directory
// that holds the releases of one or more repositories, a Publish function
// that adds a release to it, a Sync function that copies releases from
// another GitHub-like source, and an http.Handler that serves the subset of
// GitHub's REST API that neco's release client (go-github) uses.
//
// Air-gapped sites point neco's github-api-url at a mirror, and every test
// and demo uses one instead of GitHub, so the served JSON, status codes and
// headers (Link, ETag) follow GitHub's exactly where the client looks.
//
// # On-disk layout
//
//	DIR/.lock                        flock(2) target; never renamed, never read
//	DIR/.next-id                     next free id, decimal text and a newline
//	DIR/.next-id.tmp                 its replacement while being written
//	DIR/.staging-*/                  a release being written (Publish, Sync)
//	DIR/<owner>/<name>/releases/<tag>/release.json
//	DIR/<owner>/<name>/releases/<tag>/assets/<file>
//
// release.json holds only what the API needs and nothing derivable:
//
//	{"id": 7, "tag_name": "release-2026.11.23-1", "name": "...", "body": "...",
//	 "draft": false, "prerelease": true,
//	 "created_at": "2026-11-23T01:02:03Z", "published_at": "2026-11-23T01:02:03Z",
//	 "assets": [{"id": 8, "name": "SHA256SUMS", "size": 90,
//	             "content_type": "text/plain", "created_at": "...", "updated_at": "..."}]}
//
// URLs are not stored: a mirror directory can be copied to another host or
// served under another name, so every URL is computed per request from
// ServerOptions.BaseURL or, when that is empty, from the request's Host.
//
// Owner, repository, tag and asset names match ^[A-Za-z0-9][A-Za-z0-9._+~-]*$
// and are at most 128 bytes, so a name is always exactly one path element
// and can never be "..", hidden, or contain a separator. The dot-prefixed
// entries at the top of DIR can therefore never collide with an owner.
//
// # Ids
//
// Release and asset ids share one sequence, so they are unique across the
// whole mirror as GitHub's are. The sequence lives in DIR/.next-id and is
// read and replaced (write to a temporary file, fsync, rename) while holding
// an exclusive flock on DIR/.lock; locking a separate file matters because
// rename replaces .next-id's inode, and a lock on a replaced inode excludes
// nobody. If .next-id is missing (a mirror copied without dotfiles) the
// sequence restarts after the largest id found in the tree, so ids stay
// unique. Ids of a failed publish are burned, as gaps cost nothing.
//
// # Atomicity
//
// A release is written into DIR/.staging-*, fsynced, and renamed to its tag
// directory in one rename(2): readers see all of a release or none of it, a
// failure removes the staging directory, and renaming onto an existing tag
// fails, which is what refuses a tag published concurrently. A crash can
// leave a .staging-* directory behind; it is never served and may be removed
// whenever no Publish or Sync is running.
package mirror
