package cli

import (
	"context"
	"errors"
	"fmt"
)

// explain adds what the operator can act on to an error of a cluster
// command. The etcd client reports an unreachable cluster as a bare
// "context deadline exceeded", which says neither what was waited for nor
// which knob bounds it.
func (f *clusterFlags) explain(err error) error {
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w (etcd did not answer within --timeout %s; check the endpoints in %s)",
		err, f.timeout, f.config)
}
