package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/necoship/neco/pkg/model"
)

// encode returns the compact JSON of v after checking it, so that storage
// never writes a value that a Snapshot would then reject as invalid.
func encode[T any](v T) (string, error) {
	if err := check(&v); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	return string(b), nil
}

// decode parses and checks a stored value.
func decode[T any](raw []byte) (T, error) {
	var v T
	err := decodeInto(raw, &v)
	return v, err
}

// decodeInto parses and checks a stored value into v. Fields missing from
// the JSON keep what v held, which lets callers detect absent fields.
func decodeInto(raw []byte, v any) error {
	// json.Unmarshal accepts null for a struct and leaves it zero; a key
	// holding null was written by hand or by a bug, never by storage.
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return errors.New("decode: null value")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return check(v)
}

// decodeBootserver decodes the value of bootservers/<lrn>. The value must
// name its own LRN: a copy under another key would register a server twice.
func decodeBootserver(lrn int, raw []byte) (model.Bootserver, error) {
	// -1 survives decoding only when the value has no "lrn" field, and
	// Validate rejects it.
	b := model.Bootserver{LRN: -1}
	if err := decodeInto(raw, &b); err != nil {
		return model.Bootserver{}, err
	}
	if b.LRN != lrn {
		return model.Bootserver{}, fmt.Errorf("lrn %d: key says %d", b.LRN, lrn)
	}
	return b, nil
}

// check validates a value about to be written or just read. It uses the
// model's Validate methods and, for the types without one, requires the
// fields that the readers of the key cannot do without.
func check(v any) error {
	switch v := v.(type) {
	case *model.Update:
		return v.Validate()
	case *model.Barrier:
		return v.Validate()
	case *model.Turns:
		return v.Validate()
	case *model.WorkerStatus:
		return v.Validate()
	case *model.Bootserver:
		return v.Validate()
	case *model.SeenRelease:
		return checkRelease(v.Version, v.Tag)
	case *model.Candidate:
		return checkRelease(v.Version, v.Tag)
	case *model.GateState:
		return v.Validate()
	case *model.ReleaseCheck:
		if v.Since.IsZero() {
			return errors.New("since: empty")
		}
	case *model.Content:
		return checkVersion(v.Version)
	case *model.Hold:
		return v.Validate()
	case *model.RollbackRequest:
		return v.Validate()
	case *model.IrreversibleRun:
		return v.Validate()
	case *model.HistoryEntry:
		return checkHistory(*v)
	case *model.Version:
		return checkVersion(*v)
	case *string:
		if *v == "" {
			return errors.New("empty string")
		}
	}
	return nil
}

// checkRelease requires the tag too: workers fetch a release by its tag.
func checkRelease(v model.Version, tag string) error {
	if v.IsZero() || tag == "" {
		return fmt.Errorf("version %q tag %q: want both set", v, tag)
	}
	return nil
}

func checkVersion(v model.Version) error {
	if v.IsZero() {
		return errors.New("version: empty")
	}
	return nil
}

// checkHistory reuses Update's rules for the fields both types share.
func checkHistory(h model.HistoryEntry) error {
	u := model.Update{ID: h.ID, Version: h.Version, Servers: h.Servers, Reason: h.Reason}
	err := u.Validate()
	results := []model.Result{model.ResultCompleted, model.ResultAborted, model.ResultTimedOut}
	if !slices.Contains(results, h.Result) {
		err = errors.Join(err, fmt.Errorf("result %q: want completed, aborted or timedout", h.Result))
	}
	return err
}

// DecodeTurns decodes and checks the value of status/turns as a watch
// event carries it.
func DecodeTurns(raw []byte) (model.Turns, error) {
	return decode[model.Turns](raw)
}
