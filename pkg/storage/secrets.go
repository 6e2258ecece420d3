package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/necoship/neco/pkg/model"
)

// ErrPermissionDenied: etcd refused the request to the user this client
// authenticated as (etcd auth is on and its roles do not grant the key).
var ErrPermissionDenied = errors.New("storage: permission denied by etcd")

// IsPermissionDenied says whether err is etcd refusing the request for
// lack of permission, as the client returns it or as storage wraps it.
func IsPermissionDenied(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrPermissionDenied) || errors.Is(err, rpctypes.ErrPermissionDenied) {
		return true
	}
	var st interface{ GRPCStatus() *status.Status }
	return errors.As(err, &st) && st.GRPCStatus().Code() == codes.PermissionDenied
}

// WithSecrets returns a Storage that adds the secret config keys names to
// the Config of every Snapshot and WorkerSnapshot. Each process names the
// secrets it uses, so that with etcd auth on it asks only for what its
// role grants: neco-updater its API token and notification URLs, a worker
// the download tokens. A secret the role does not grant reads as unset.
func (s *Storage) WithSecrets(names ...string) *Storage {
	c := *s
	c.secrets = slices.Clone(names)
	c.denied = &deniedSecrets{until: map[string]time.Time{}}
	return &c
}

// deniedRetry is how long a secret etcd refused is not asked for again.
// Each refusal costs a request and a WARN line of the etcd client; a
// worker under etcd auth is refused github-token on every snapshot
// otherwise. A role granted later is noticed within this time.
const deniedRetry = 10 * time.Minute

// deniedSecrets remembers the secrets etcd refused, until when not to ask.
type deniedSecrets struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func (d *deniedSecrets) skip(name string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return now.Before(d.until[name])
}

func (d *deniedSecrets) refused(name string, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.until[name] = now.Add(deniedRetry)
}

// addSecrets reads the secrets s was given at the snapshot's revision, so
// that they agree with the rest of it, and puts each one that is set and
// readable in snap.Config. A secret/ key wins over a legacy config/ key of
// the same name, which an older neco wrote. Each key is its own request:
// in a transaction, one key the role does not grant would fail them all.
func (s *Storage) addSecrets(ctx context.Context, snap *model.Snapshot) error {
	now := time.Now()
	for _, name := range s.secrets {
		if s.denied.skip(name, now) {
			delete(snap.Config, name)
			continue
		}
		v, found, err := s.readSecret(ctx, name, snap.Revision)
		switch {
		case IsPermissionDenied(err):
			s.denied.refused(name, now)
			delete(snap.Config, name)
		case err != nil:
			return fmt.Errorf("snapshot: %w", err)
		case found:
			snap.Config[name] = v
		}
	}
	return nil
}

// readSecret reads secret/<name> at revision rev, one key per request: in
// a transaction or a prefix read, one secret the role does not grant would
// refuse them all. A refusal is returned as etcd's error
// (IsPermissionDenied).
func (s *Storage) readSecret(ctx context.Context, name string, rev int64) (value string, found bool, err error) {
	key := s.SecretKey(name)
	resp, err := s.client.Get(ctx, key, clientv3.WithRev(rev))
	if err != nil {
		return "", false, fmt.Errorf("get %s at %d: %w", key, rev, err)
	}
	if len(resp.Kvs) == 0 {
		return "", false, nil
	}
	return string(resp.Kvs[0].Value), true, nil
}
