package worker

import (
	"context"
	"sync"

	"github.com/necoship/neco/pkg/leader"
)

// Leadership tells the loop whether this worker holds leader/worker/ (it
// then runs the once-steps) and wakes it when that changes.
type Leadership struct {
	mu      sync.Mutex
	key     string
	changed chan struct{}
}

// NewLeadership returns a Leadership that does not lead.
func NewLeadership() *Leadership {
	return &Leadership{changed: make(chan struct{}, 1)}
}

// Key returns this worker's election key while it leads, "" otherwise.
func (l *Leadership) Key() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.key
}

// Changed is signalled when leadership is won or lost.
func (l *Leadership) Changed() <-chan struct{} { return l.changed }

// Lead is a leader.LeadFunc: it holds the term until it is lost or ctx
// ends. The loop's once-step writes are fenced on the key, so a term lost
// before Lead notices cannot record anything.
func (l *Leadership) Lead(ctx context.Context, term leader.Term) error {
	l.set(term.Key)
	defer l.set("")
	<-ctx.Done()
	return nil
}

func (l *Leadership) set(key string) {
	l.mu.Lock()
	l.key = key
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default: // a wake-up is already pending
	}
}
