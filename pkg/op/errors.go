package op

import "errors"

// ErrRestart is returned by the prepare op once neco's own package was
// updated: the running worker is the old version and must exit so that
// systemd starts the new one, which resumes the same step.
var ErrRestart = errors.New("op: restart neco-worker to finish the self-update")

// Permanent marks err as one that retrying cannot fix (a checksum
// mismatch, a refused downgrade, an invalid plan): the worker aborts at
// once instead of trying again.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err, or an error it wraps, is Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }
