package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// DefaultPrefix is the key prefix when the local config sets none.
const DefaultPrefix = "/neco/"

// The errors callers branch on. Other errors (network, context) are
// returned wrapped as they come from the etcd client.
var (
	// ErrNoLeader: the leader key given to a fenced write no longer exists,
	// so the caller lost its leadership and must not write.
	ErrNoLeader = errors.New("storage: no leader")
	// ErrNotFound: the key read or changed does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrConflict: a compare-and-swap lost, or the write would move stored
	// state backwards. Re-read a snapshot and decide again.
	ErrConflict = errors.New("storage: conflict")
	// ErrInvalid: a value given to a write does not validate, so it was not
	// written (a later Snapshot would only have rejected it).
	ErrInvalid = errors.New("storage: invalid value")
)

// Storage reads and writes neco's keys under one prefix through one etcd
// client. Its only other state is which secrets to read and which of them
// etcd refused lately (WithSecrets); it is safe for concurrent use.
type Storage struct {
	client *clientv3.Client
	prefix string
	// secrets are the secret config keys every snapshot adds (WithSecrets),
	// denied those etcd refused lately.
	secrets []string
	denied  *deniedSecrets
	// held are the large values the last WorkerSnapshot read.
	held *heldValues
}

// New returns a Storage for the keys under prefix. An empty prefix means
// DefaultPrefix; a missing trailing "/" is added, because every key name is
// appended to the prefix and "/neco" + "status/current" would leave the
// cluster's keys outside the "/neco/" range that watches and snapshots read.
func New(c *clientv3.Client, prefix string) *Storage {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return &Storage{client: c, prefix: prefix, held: &heldValues{}}
}

// Prefix returns the key prefix, ending in "/".
func (s *Storage) Prefix() string { return s.prefix }

// load reads and decodes one key, returning its mod revision for a later
// compare-and-swap. An absent key is ErrNotFound; a value that does not
// decode is a model.InvalidKey error that still carries the mod revision,
// so that a caller allowed to replace garbage can do it with a CAS.
func load[T any](ctx context.Context, s *Storage, key string) (T, int64, error) {
	var zero T
	resp, err := s.client.Get(ctx, key)
	if err != nil {
		return zero, 0, fmt.Errorf("get %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return zero, 0, fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	kv := resp.Kvs[0]
	v, err := decode[T](kv.Value)
	if err != nil {
		return zero, kv.ModRevision, model.InvalidKey{Key: key, Err: err}
	}
	return v, kv.ModRevision, nil
}

// Auth is the etcd cluster's authentication API, for pkg/access: etcd
// users and roles are not keys, but they decide who may touch them.
func (s *Storage) Auth() clientv3.Auth { return s.client.Auth }
