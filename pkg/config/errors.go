package config

import (
	"errors"

	"github.com/necoship/neco/pkg/model"
)

// ErrUnknownKey is wrapped by ValidateValue when the key is not in the registry.
var ErrUnknownKey = errors.New("config: unknown key")

// ErrTooLarge is wrapped by ParseLocal when the input exceeds MaxLocalSize.
var ErrTooLarge = errors.New("config: input too large")

// fieldErrors collects FieldErrors so that validation reports every bad field
// at once instead of making the operator fix them one run at a time.
type fieldErrors []error

func (fe *fieldErrors) add(field string, err error) {
	if err != nil {
		*fe = append(*fe, &model.FieldError{Field: field, Err: err})
	}
}

func (fe fieldErrors) join() error { return errors.Join(fe...) }
