package config

import "errors"

// ErrUnknownKey is wrapped by ValidateValue when the key is not in the registry.
var ErrUnknownKey = errors.New("config: unknown key")

// ErrTooLarge is wrapped by ParseLocal when the input exceeds MaxLocalSize.
var ErrTooLarge = errors.New("config: input too large")

// FieldError is one invalid field. Field is the path as the operator wrote
// it: "etcd.endpoints[1]" for the local file, "config/env" for a cluster key,
// so the message points at the line or key to fix.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }

// fieldErrors collects FieldErrors so that validation reports every bad field
// at once instead of making the operator fix them one run at a time.
type fieldErrors []error

func (fe *fieldErrors) add(field string, err error) {
	if err != nil {
		*fe = append(*fe, &FieldError{Field: field, Err: err})
	}
}

func (fe fieldErrors) join() error { return errors.Join(fe...) }
