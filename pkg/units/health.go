package units

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/necoship/neco/pkg/backoff"
)

// ErrUnhealthy: a health check did not pass within its timeout. The error
// wrapping it says what the last attempt saw.
var ErrUnhealthy = errors.New("units: unhealthy")

const (
	// checkInterval is the pause between health check attempts: a
	// restarted daemon becomes healthy within seconds, and a check a
	// second is nothing for it to answer.
	checkInterval = time.Second
	// attemptTimeout bounds one attempt, so that one request hanging on a
	// half-started daemon does not use up the whole timeout.
	attemptTimeout = 10 * time.Second
)

// retryCheck runs attempt every checkInterval until it succeeds or
// timeout has passed. The timeout is ErrUnhealthy with the last attempt's
// error; ctx ending first is ctx's error, with that attempt's error too.
func retryCheck(ctx context.Context, timeout time.Duration, attempt func(context.Context) error) error {
	if timeout <= 0 {
		return fmt.Errorf("timeout %s: want a positive duration", timeout)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		actx, cancelAttempt := context.WithTimeout(tctx, attemptTimeout)
		err := attempt(actx)
		cancelAttempt()
		if err == nil {
			return nil
		}
		if serr := backoff.Sleep(tctx, checkInterval); serr != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%w; last attempt: %v", ctx.Err(), err)
			}
			return fmt.Errorf("%w after %s: %v", ErrUnhealthy, timeout, err)
		}
	}
}
