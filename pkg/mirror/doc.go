// Package mirror owns neco's GitHub-compatible release mirror: a directory
// that holds the releases of one or more repositories and copies of their
// GitHub deployments, a Publish function that adds a release to it, a Sync
// function that copies releases and deployments from another GitHub-like
// source, and an http.Handler that serves, read-only, the subset of
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
//	DIR/<owner>/<name>/deployments.json       deployments (Sync only; see below)
//	DIR/<owner>/<name>/.deployments.json.tmp  its replacement while being written
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
//
// # Deployments
//
// deployments.json holds the GitHub deployments of the repository's newest
// releases, so that a site behind the mirror can use the promotion gate
// (require-deployed). Sync writes it when its Source is also a
// DeploymentSource; Publish never touches it. Oldest (lowest id) first,
// each deployment's statuses oldest first:
//
//	{"deployments": [{"id": 5001, "ref": "release-2026.11.23-1",
//	  "environment": "staging-stg0", "description": "...",
//	  "payload": {"neco": {"update_id": 3, "site": "stg0"}},
//	  "created_at": "2026-11-23T01:02:03Z",
//	  "statuses": [{"id": 50010, "state": "success", "environment": "staging-stg0",
//	                "description": "...", "created_at": "2026-11-23T01:09:03Z"}]}]}
//
// Ids are the source's (GitHub's, or those another mirror kept), not the
// mirror's sequence: they are unique in the repository because the
// source's are, they stay the same on every sync without a mapping to
// keep, and a mirror of a mirror serves the same ids. Other API fields are
// derived: task "deploy", an empty sha, the mirror as creator,
// production_environment for production and production-SITE, updated_at
// from the newest status.
//
// Each Sync replaces the file with the source's deployments of the newest
// MaxDeploymentTags non-draft releases in the mirror, in every environment
// (older tags drop out: only a site's newest candidate is ever asked
// about). Bounds: the newest 20 deployments of a tag, the newest 100
// statuses of a deployment, payloads of at most 8 KiB that are JSON
// objects (others are stored as {}), descriptions of at most 140
// characters (cut), environments of at most 255 bytes (others dropped),
// and 4 MiB in all (the oldest deployments dropped). Each trim or drop is
// logged as one warning per tag. The file is written to
// .deployments.json.tmp, fsynced and renamed while holding the flock on
// DIR/.lock, and left alone when unchanged or when any listing failed.
//
// The server reads the file on each request, and validates it: a file
// that breaks the format or a bound is served as no deployments (a gated
// site keeps waiting) and logged as one error per version of the file.
package mirror
