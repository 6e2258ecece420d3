package images

import "errors"

var (
	// ErrInvalidRef: a ref that is not a fully qualified image reference
	// (registry host, repository, optional tag, digest).
	ErrInvalidRef = errors.New("images: invalid ref")
	// ErrNotPinned: a ref without a digest. neco never pulls by tag alone,
	// since a tag can be moved under a release that was already tested.
	ErrNotPinned = errors.New("images: ref not pinned by digest")
	// ErrDigestMismatch: the registry served content whose digest differs
	// from the pinned one.
	ErrDigestMismatch = errors.New("images: digest mismatch")
	// ErrNotFound: no registry tried holds the pinned digest in that
	// repository. Retrying will not help until someone pushes it.
	ErrNotFound = errors.New("images: not found in registry")
	// ErrUnauthorized: a registry refused the pull. It asks for
	// credentials and none are configured for it, or it (or its token
	// service) refused those configured. Retrying will not help until
	// the credentials change.
	ErrUnauthorized = errors.New("images: registry refused access")
	// ErrCredentialsWithheld: a registry asked for its credentials to go
	// where neco does not send them: to a token service on another host,
	// or in clear to a host that is not loopback. Retrying will not help.
	ErrCredentialsWithheld = errors.New("images: credentials withheld")
)
