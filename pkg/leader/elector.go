package leader

import (
	"errors"
	"fmt"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

const (
	defaultTTL           = 10 * time.Second
	defaultResignTimeout = 5 * time.Second

	// requestTimeout bounds the single requests of a cycle (lease grant,
	// term confirmation) so that an unreachable etcd turns into a failed
	// cycle and a back-off instead of one request hanging until shutdown.
	requestTimeout = 5 * time.Second

	// Pauses between election cycles; see backoff.
	minPause = 200 * time.Millisecond
	maxPause = 10 * time.Second
)

// Log field keys, fixed so that log queries do not depend on call sites.
const (
	fieldElection  = "election"
	fieldName      = "name"
	fieldKey       = "key"
	fieldRevision  = "revision"
	fieldLease     = "lease"
	fieldPause     = "pause"
	fieldLastError = "last_error"
	fieldCount     = "count"
	fieldGrace     = "grace"
	fieldLeader    = "leader"
	fieldSilent    = "silent"
)

// ErrInvalidOptions is wrapped by New when Options cannot work.
var ErrInvalidOptions = errors.New("leader: invalid options")

// Options configures an Elector.
type Options struct {
	// Client is the etcd client; the Elector never closes it.
	Client *clientv3.Client
	// Key is the election prefix, e.g. "/neco/leader/updater/". Candidates
	// write their keys directly under it, one per session lease.
	Key string
	// Name is this candidate's value (hostname or LRN), what Leader reports.
	Name string
	// TTL is the session lease TTL: how long a dead leader keeps the
	// election. Default 10s; rounded to whole seconds, at least 1s.
	TTL time.Duration
	// Logger receives election events; nil discards them.
	Logger *zap.Logger
	// ResignTimeout bounds resigning and revoking the lease once a term or
	// Run ends. Default 5s.
	ResignTimeout time.Duration
}

// Elector campaigns for one election on behalf of one candidate. Each Run
// is an independent candidate; the only state Run calls share is which
// lease-less election keys were already logged and when the leader's key
// was last seen to move.
type Elector struct {
	client        *clientv3.Client
	prefix        string // election prefix without its trailing "/"
	name          string
	ttl           int64 // seconds
	resignTimeout time.Duration
	log           *zap.Logger
	leaseless     leaselessLog
	seen          sightings // of the leader's key, by the next in line

	// Pause bounds between cycles; tests shorten them.
	minPause, maxPause time.Duration
}

// New checks o, applies defaults and returns an Elector.
func New(o Options) (*Elector, error) {
	if o.Client == nil {
		return nil, fmt.Errorf("%w: client is nil", ErrInvalidOptions)
	}
	prefix, err := electionPrefix(o.Key)
	if err != nil {
		return nil, err
	}
	if o.Name == "" {
		return nil, fmt.Errorf("%w: name is empty", ErrInvalidOptions)
	}
	if o.ResignTimeout <= 0 {
		o.ResignTimeout = defaultResignTimeout
	}
	log := o.Logger
	if log == nil {
		log = zap.NewNop()
	}
	return &Elector{
		client:        o.Client,
		prefix:        prefix,
		name:          o.Name,
		ttl:           ttlSeconds(o.TTL),
		resignTimeout: o.ResignTimeout,
		log:           log.With(zap.String(fieldElection, prefix+"/"), zap.String(fieldName, o.Name)),
		minPause:      minPause,
		maxPause:      maxPause,
	}, nil
}

// ttlDuration is the session TTL as etcd holds it, whole seconds.
func (e *Elector) ttlDuration() time.Duration { return time.Duration(e.ttl) * time.Second }

// ttlSeconds converts a TTL to the whole seconds etcd leases take.
func ttlSeconds(ttl time.Duration) int64 {
	if ttl <= 0 {
		ttl = defaultTTL
	}
	return max(int64(ttl.Round(time.Second)/time.Second), 1)
}

// electionPrefix turns an election key into the prefix without its
// trailing "/", so "/neco/leader/updater/" and "/neco/leader/updater" both
// name keys "/neco/leader/updater/<lease>", as concurrency.Election does.
func electionPrefix(key string) (string, error) {
	prefix := strings.TrimSuffix(key, "/")
	if prefix == "" {
		// An empty prefix would make every key of the cluster a candidate.
		return "", fmt.Errorf("%w: election key %q is empty", ErrInvalidOptions, key)
	}
	return prefix, nil
}
