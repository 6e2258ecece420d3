package model

// FieldError is one invalid field of an input an operator or a release
// author wrote. Field is the path as they wrote it: "etcd.endpoints[1]" in
// the local file, "config/env" for a cluster key, "services[2].health" in
// a plan, so the message points at the line or key to fix. One type for
// every input, so that callers tell a field error from the rest in one
// way (errors.As).
type FieldError struct {
	Field string
	Err   error
}

// Error prefixes the path; an error about the whole input (Field "") has
// none.
func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Err.Error()
	}
	return e.Field + ": " + e.Err.Error()
}

func (e *FieldError) Unwrap() error { return e.Err }
