package notify

import (
	"context"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/backoff"
)

// Options tunes a Dispatcher. Zero values take the defaults shown.
type Options struct {
	// Logger receives one line per delivery outcome; nil logs nothing.
	Logger *zap.Logger
	// QueueSize bounds the events waiting for Run. Default 64.
	QueueSize int
	// Attempts is the number of tries per event and sender. Default 5.
	Attempts int
	// BaseDelay and MaxDelay bound the jittered exponential back-off
	// between tries. MaxDelay also caps a Retry-After, so that one
	// endpoint cannot stall every later notification for an hour.
	// Defaults 1s and 1m.
	BaseDelay, MaxDelay time.Duration
	// Timeout bounds each attempt. Default 10s.
	Timeout time.Duration
	// OnFailure is called with the sender's name once per event that
	// sender finally failed to deliver, including events dropped because
	// the queue was full (a metrics hook). It is called from Run's and
	// Notify's goroutines, so it must be safe for concurrent use. May be
	// nil.
	OnFailure func(sender string)
	// Sleep waits between tries and returns early with ctx's error when
	// ctx ends. Tests replace it. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 64
	}
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = time.Second
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Sleep == nil {
		o.Sleep = backoff.Sleep
	}
	return o
}

// Dispatcher decouples the updater from its notification endpoints: Notify
// enqueues without blocking and Run delivers in the background.
//
// Run delivers one event at a time and, within an event, tries the senders
// one after another in the order given. Sequential delivery keeps events
// in order per endpoint and needs no goroutine bookkeeping; the price is
// that a failing sender delays the next ones by at most its own attempts:
// Attempts × Timeout plus the waits between them (each at most MaxDelay).
// With the defaults that is under five minutes, and the queue absorbs the
// events arriving meanwhile.
type Dispatcher struct {
	o       Options
	log     *zap.Logger
	senders []Sender
	queue   chan Event
}

// NewDispatcher returns a Dispatcher delivering to senders. With no
// senders, Notify discards events: nothing is configured.
func NewDispatcher(o Options, senders ...Sender) *Dispatcher {
	o = o.withDefaults()
	return &Dispatcher{
		o:       o,
		log:     o.Logger,
		senders: slices.Clone(senders),
		queue:   make(chan Event, o.QueueSize),
	}
}

// Notify queues e for delivery and returns at once. When the queue is full
// (the endpoints are down or slow) e is dropped with a warning and counted
// through OnFailure: an update never waits for a notification.
func (d *Dispatcher) Notify(e Event) {
	if len(d.senders) == 0 {
		return
	}
	// The caller may reuse its slice; Run reads this one later.
	e.Servers = slices.Clone(e.Servers)
	select {
	case d.queue <- e:
	default:
		d.log.Warn("notification queue full; event dropped",
			zap.Int64(keyUpdateID, e.UpdateID), zap.String(keyKind, string(e.Kind)))
		for _, s := range d.senders {
			d.failed(s.Name())
		}
	}
}

// Run delivers queued events until ctx ends, then returns promptly: an
// attempt in flight is cancelled through its context, and the events still
// pending are dropped with one log line saying how many. Call Run once, on
// a goroutine the caller owns.
func (d *Dispatcher) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			d.dropPending(0)
			return
		case e := <-d.queue:
			if !d.deliver(ctx, e) {
				d.dropPending(1)
				return
			}
		}
	}
}

// deliver hands e to every sender in turn; false means ctx ended first.
func (d *Dispatcher) deliver(ctx context.Context, e Event) bool {
	for _, s := range d.senders {
		if !d.deliverTo(ctx, s, e) {
			return false
		}
	}
	return true
}

// dropPending empties the queue on shutdown. inFlight counts an event whose
// delivery was cut short. These drops are not reported through OnFailure:
// the process is stopping, and the log line records them.
func (d *Dispatcher) dropPending(inFlight int) {
	n := inFlight
	for drained := false; !drained; {
		select {
		case <-d.queue:
			n++
		default:
			drained = true
		}
	}
	if n > 0 {
		d.log.Warn("notifier stopped; pending events dropped", zap.Int(keyDropped, n))
		return
	}
	d.log.Info("notifier stopped", zap.Int(keyDropped, 0))
}

func (d *Dispatcher) failed(sender string) {
	if d.o.OnFailure != nil {
		d.o.OnFailure(sender)
	}
}
