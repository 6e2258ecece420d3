package worker

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/releases"
)

// TestClassify: what no retry can fix aborts the step at once; what time
// or an operator can fix is retried.
func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		err       error
		permanent bool
	}{
		{releases.ErrChecksumMismatch, true},
		{releases.ErrTooLarge, true},
		{releases.ErrCleartextToken, true},
		{fmt.Errorf("fetch x: %w", releases.ErrNoAsset), true},
		{releases.ErrNoSpace, false},
		{releases.ErrUnavailable, false},
		{context.DeadlineExceeded, false},
		{errors.New("connection reset"), false},
	} {
		if got := op.IsPermanent(classify(tt.err)); got != tt.permanent {
			t.Errorf("classify(%v) permanent = %v, want %v", tt.err, got, tt.permanent)
		}
	}
}
