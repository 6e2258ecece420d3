package storage

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// TestSnapshotSecrets: a snapshot holds the secrets its Storage names and
// no others; secret/ wins over a legacy config/ key of an older neco.
// Refusal by etcd's roles is tested where the roles are (pkg/access).
func TestSnapshotSecrets(t *testing.T) {
	base, c := newStorage(t)
	putRaw(t, base, c, map[string]string{
		"config/env":          "staging",
		"config/slack":        "https://legacy.invalid/slack",
		"config/github-token": "ghp_legacy",
		"secret/github-token": "ghp_new",
		"secret/webhook":      "https://hooks.invalid/w",
	})
	tests := []struct {
		name    string
		secrets []string
		want    map[string]string
	}{
		{"none named: only legacy keys, as config/ holds them", nil, map[string]string{
			"env": "staging", "slack": "https://legacy.invalid/slack", "github-token": "ghp_legacy"}},
		{"secret/ wins; an unset one leaves the legacy key", []string{"github-token", "slack"}, map[string]string{
			"env": "staging", "slack": "https://legacy.invalid/slack", "github-token": "ghp_new"}},
		{"named and set only under secret/", []string{"webhook", "github-asset-token"}, map[string]string{
			"env": "staging", "slack": "https://legacy.invalid/slack", "github-token": "ghp_legacy",
			"webhook": "https://hooks.invalid/w"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base.WithSecrets(tt.secrets...)
			snap, err := s.Snapshot(testContext(t))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, snap.Config); diff != "" {
				t.Errorf("Snapshot Config (-want +got):\n%s", diff)
			}
			ws, err := s.WorkerSnapshot(testContext(t), WorkerView{LRN: 0})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ws.Config); diff != "" {
				t.Errorf("WorkerSnapshot Config (-want +got):\n%s", diff)
			}
		})
	}
	if len(base.secrets) != 0 {
		t.Error("WithSecrets changed the Storage it was called on")
	}
}

func TestIsPermissionDenied(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{fmt.Errorf("get x: %w", rpctypes.ErrPermissionDenied), true},
		{rpctypes.ErrGRPCPermissionDenied, true},
		{fmt.Errorf("get x: %w", status.Error(codes.PermissionDenied, "nope")), true},
		{fmt.Errorf("put: %w", ErrPermissionDenied), true},
		{rpctypes.ErrUserEmpty, false},
		{status.Error(codes.Unavailable, "down"), false},
		{ErrNotFound, false},
	} {
		if got := IsPermissionDenied(tt.err); got != tt.want {
			t.Errorf("IsPermissionDenied(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
