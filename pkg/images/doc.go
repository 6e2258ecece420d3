// Package images owns how neco puts a release's container images on a boot
// server: it pulls the plan's digest-pinned refs through the local
// containerd, in parallel, and unpacks them for the configured snapshotter
// so that the site's units can run them.
//
// It is the only package that imports the containerd client, and it knows
// nothing about etcd or the plan: callers hand it (name, ref) pairs and
// record what comes back.
//
// A ref must name its registry and carry a digest
// ("registry.example/cybozu/cke:1.30.1@sha256:..."); the image is stored
// in containerd under exactly that ref, in the namespace "neco" unless
// Options say otherwise. As in Docker, the first path component is a
// registry only if it holds a "." or a ":" or is "localhost". containerd resolves such a ref by
// its digest alone (HEAD /v2/REPO/manifests/DIGEST): the tag is ignored, so
// a tag that has since moved still pulls the pinned image, and a digest the
// registry does not hold fails with ErrNotFound. The bytes the registry
// serves for the pinned manifest are hashed before containerd stores them;
// a registry or mirror that serves anything else is refused with
// ErrDigestMismatch and nothing is stored under the ref. A config or layer
// blob that does not match the verified manifest is refused by
// containerd's own check, reported as ErrDigestMismatch too, and its
// ingest is discarded so that the next Pull can succeed.
//
// Registries are reached with an Access: per-host credentials and the
// proxy, which the caller may replace between pulls (SetAccess). A host's
// credentials go to that host alone, or to its token service on the
// same host and port, and never in clear to a host that is not loopback;
// a registry that asks otherwise fails the pull with
// ErrCredentialsWithheld, and one that refuses access with
// ErrUnauthorized, each naming the registry and neither holding a
// password.
//
// Pull is idempotent: an image already stored under its ref with the
// pinned digest and unpacked for the snapshotter is not pulled again and
// costs no request to the registry, so a worker that crashed mid-pull
// simply calls Pull again.
package images
