package plan

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/necoship/neco/pkg/model"
)

// ErrTooLarge is wrapped when the input exceeds MaxSize, or expands (through
// YAML aliases) to more nodes than a plan can sensibly have.
var ErrTooLarge = errors.New("plan: input too large")

// ErrVersionMismatch is wrapped by CheckVersion when the plan belongs to a
// different version than the package that installed it.
var ErrVersionMismatch = errors.New("plan: version differs from the package's")

// fieldErrors collects FieldErrors so that a plan author sees every problem
// in one run instead of fixing them one release build at a time.
type fieldErrors []*model.FieldError

func (fe *fieldErrors) add(field string, err error) {
	if err != nil {
		*fe = append(*fe, &model.FieldError{Field: field, Err: err})
	}
}

// paths returns the set of fields that have an error.
func (fe fieldErrors) paths() map[string]bool {
	set := make(map[string]bool, len(fe))
	for _, e := range fe {
		set[e.Field] = true
	}
	return set
}

// coveredBy reports whether field, or a path it lies inside, is in set.
// Parse uses it so that a field the decoder could not read is not reported
// a second time by Validate ("required", "invalid"). The set, not a scan of
// the errors, keeps a plan with thousands of bad entries linear.
func coveredBy(set map[string]bool, field string) bool {
	if set[""] || set[field] {
		return true
	}
	for i := 0; i < len(field); i++ {
		if (field[i] == '.' || field[i] == '[') && set[field[:i]] {
			return true
		}
	}
	return false
}

// maxReported bounds the errors in one message: past a hundred, the file
// is not a plan with mistakes but something else, and a multi-megabyte
// error would only flood the log.
const maxReported = 100

// join returns nil or an error whose message has one line per field.
func (fe fieldErrors) join() error {
	if len(fe) == 0 {
		return nil
	}
	errs := make([]error, 0, min(len(fe), maxReported)+1)
	for _, e := range fe[:min(len(fe), maxReported)] {
		errs = append(errs, e)
	}
	if more := len(fe) - maxReported; more > 0 {
		errs = append(errs, fmt.Errorf("and %d more errors", more))
	}
	return errors.Join(errs...)
}

// sections ranks the top-level fields in the order a plan lists them.
var sections = map[string]int{"version": 1, "neco": 2, "debs": 3, "images": 4, "services": 5, "once": 6}

// sortByEntry groups the errors by the plan entry they are about
// (services[1] before services[2]), in file order, keeping the order of the
// errors within one entry. Decoding and validation find problems in two
// passes; the author reads them entry by entry.
func (fe fieldErrors) sortByEntry() {
	slices.SortStableFunc(fe, func(a, b *model.FieldError) int {
		sa, ia := entryOf(a.Field)
		sb, ib := entryOf(b.Field)
		return cmp.Or(cmp.Compare(sa, sb), cmp.Compare(ia, ib))
	})
}

// entryOf returns the rank of the top-level field a path starts with (0
// for the document itself and unknown fields) and the list index after it
// (-1 when none).
func entryOf(path string) (section, index int) {
	end := strings.IndexAny(path, ".[")
	if end < 0 {
		return sections[path], -1
	}
	section = sections[path[:end]]
	if path[end] != '[' {
		return section, -1
	}
	digits, _, _ := strings.Cut(path[end+1:], "]")
	index, err := strconv.Atoi(digits)
	if err != nil {
		return section, -1
	}
	return section, index
}
