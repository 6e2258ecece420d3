package storage

import (
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// RequestCheck asks the updater leader for a release check now
// (request/check), replacing a request still pending, and returns the
// revision it was written at: the answer whose Revision reaches it is the
// outcome of a check that ran after it. Operators write it (neco update
// check), and so does any neco-updater that accepted a webhook delivery,
// so that a delivery to a follower reaches the leader.
func (s *Storage) RequestCheck(ctx context.Context, r model.CheckRequest) (int64, error) {
	if err := r.Validate(); err != nil {
		return 0, fmt.Errorf("request check: %w: %w", err, ErrInvalid)
	}
	val, err := encode(r)
	if err != nil {
		return 0, fmt.Errorf("request check: %w", err)
	}
	resp, err := s.client.Put(ctx, s.CheckRequestKey(), val)
	if err != nil {
		return 0, fmt.Errorf("request check: %w", err)
	}
	return resp.Header.Revision, nil
}

// AnswerCheck records the outcome of the check that answers the requests
// up to a.Revision (info/check-answer) and deletes request/check when it
// is that request: a newer one stays pending for the next check. Fenced
// by leaderKey.
func (s *Storage) AnswerCheck(ctx context.Context, leaderKey string, a model.CheckAnswer) error {
	val, err := encode(a)
	if err != nil {
		return fmt.Errorf("answer check: %w", err)
	}
	req := s.CheckRequestKey()
	deleteIfAnswered := clientv3.OpTxn(
		[]clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(req), "=", a.Revision)},
		[]clientv3.Op{clientv3.OpDelete(req)}, nil)
	if err := s.fenced(ctx, leaderKey, nil, clientv3.OpPut(s.CheckAnswerKey(), val), deleteIfAnswered); err != nil {
		return fmt.Errorf("answer check of revision %d: %w", a.Revision, err)
	}
	return nil
}

// CheckAnswer reads info/check-answer and the revision it was read at;
// ErrNotFound before the first answer.
func (s *Storage) CheckAnswer(ctx context.Context) (model.CheckAnswer, int64, error) {
	resp, err := s.client.Get(ctx, s.CheckAnswerKey())
	if err != nil {
		return model.CheckAnswer{}, 0, fmt.Errorf("get %s: %w", s.CheckAnswerKey(), err)
	}
	if len(resp.Kvs) == 0 {
		return model.CheckAnswer{}, resp.Header.Revision, fmt.Errorf("%s: %w", s.CheckAnswerKey(), ErrNotFound)
	}
	a, err := decode[model.CheckAnswer](resp.Kvs[0].Value)
	if err != nil {
		return model.CheckAnswer{}, 0, fmt.Errorf("%s: %w", s.CheckAnswerKey(), err)
	}
	return a, resp.Header.Revision, nil
}

// WaitCheckAnswer returns the first answer that covers the request written
// at rev: one already recorded, or the next ones as they are written. It
// stops when ctx ends.
func (s *Storage) WaitCheckAnswer(ctx context.Context, rev int64) (model.CheckAnswer, error) {
	for {
		a, readRev, err := s.CheckAnswer(ctx)
		switch {
		case err == nil && a.Revision >= rev:
			return a, nil
		case err != nil && !errors.Is(err, ErrNotFound):
			return model.CheckAnswer{}, err
		}
		if a, ok := s.watchCheckAnswer(ctx, readRev, rev); ok {
			return a, nil
		}
		if err := ctx.Err(); err != nil {
			return model.CheckAnswer{}, fmt.Errorf("wait for the answer to the check of revision %d: %w", rev, err)
		}
		// Compacted past readRev: read it again.
	}
}

// watchCheckAnswer watches info/check-answer after readRev for an answer
// covering rev; ok is false when ctx ended or the watch was compacted.
func (s *Storage) watchCheckAnswer(ctx context.Context, readRev, rev int64) (model.CheckAnswer, bool) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the watch when an answer came first
	for ev := range s.Watch(ctx, readRev, s.CheckAnswerKey(), false) {
		if ev.Compacted {
			return model.CheckAnswer{}, false
		}
		if ev.Deleted {
			continue
		}
		if a, err := decode[model.CheckAnswer](ev.Value); err == nil && a.Revision >= rev {
			return a, true
		}
	}
	return model.CheckAnswer{}, false
}
