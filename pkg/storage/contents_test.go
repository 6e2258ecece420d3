package storage

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

func TestContentRecords(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	key, sess := campaignOn(t, s.client, s.LeaderWorkerKey(), "boot-1")
	resign := func() { sess.Close() }
	start := func(name string, v model.Version) error { return s.StartContent(ctx, key, name, v, false) }
	finish := func(name string, v model.Version) error { return s.FinishContent(ctx, key, name, v) }
	putRaw(t, s, c, map[string]string{"contents/garbage": "{"})
	steps := []struct {
		what string
		do   func() error
		want error
	}{
		{"finish before start", func() error { return finish("upload", v1) }, ErrNotFound},
		{"start", func() error { return start("upload", v1) }, nil},
		{"start again (rerun)", func() error { return start("upload", v1) }, nil},
		{"finish another version", func() error { return finish("upload", v2) }, ErrConflict},
		{"finish", func() error { return finish("upload", v1) }, nil},
		{"finish twice", func() error { return finish("upload", v1) }, ErrConflict},
		{"start a finished one", func() error { return start("upload", v1) }, ErrConflict},
		{"start the next version", func() error { return start("upload", v2) }, nil},
		{"replace garbage", func() error { return start("garbage", v1) }, nil},
		{"nested name", func() error { return start("a/b", v1) }, ErrInvalid},
		{"no version", func() error { return start("x", model.Version{}) }, ErrInvalid},
	}
	for _, st := range steps {
		if err := st.do(); !errors.Is(err, st.want) || (st.want == nil && err != nil) {
			t.Errorf("%s: err = %v, want %v", st.what, err, st.want)
		}
	}
	want := map[string]model.Content{"upload": {Version: v2}, "garbage": {Version: v1}}
	if diff := cmp.Diff(want, contents(ctx, t, s)); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}

	// A deposed leader can neither start nor finish, not even a rerun.
	resign()
	for what, err := range map[string]error{
		"start new":   start("other", v1),
		"start rerun": start("upload", v2),
		"finish":      finish("upload", v2),
	} {
		if !errors.Is(err, ErrNoLeader) {
			t.Errorf("%s after the session ended: err = %v, want ErrNoLeader", what, err)
		}
	}
	if diff := cmp.Diff(want, contents(ctx, t, s)); diff != "" {
		t.Errorf("after refused writes (-want +got)\n%s", diff)
	}
}

func contents(ctx context.Context, t *testing.T, s *Storage) map[string]model.Content {
	t.Helper()
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return snap.Contents
}
