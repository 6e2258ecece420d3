package storage

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// PutInstalledDeb records that server lrn installed package name at v.
func (s *Storage) PutInstalledDeb(ctx context.Context, lrn int, name string, v model.Version) error {
	if err := checkInstall(lrn, name); err != nil {
		return fmt.Errorf("put installed deb: %w", err)
	}
	val, err := encode(v)
	if err != nil {
		return fmt.Errorf("put installed deb %s: %w", name, err)
	}
	return s.put(ctx, s.InstallDebKey(lrn, name), val)
}

// PutInstalledImage records that server lrn pulled image name at digest.
func (s *Storage) PutInstalledImage(ctx context.Context, lrn int, name, digest string) error {
	if err := checkInstall(lrn, name); err != nil {
		return fmt.Errorf("put installed image: %w", err)
	}
	val, err := encode(digest)
	if err != nil {
		return fmt.Errorf("put installed image %s: %w", name, err)
	}
	return s.put(ctx, s.InstallImageKey(lrn, name), val)
}

// ListInstalled returns what server lrn recorded. Keys that do not decode
// are left out and returned as invalid keys.
func (s *Storage) ListInstalled(ctx context.Context, lrn int) (model.Installed, []model.InvalidKey, error) {
	dir := s.InstallPrefix(lrn)
	resp, err := s.client.Get(ctx, dir, clientv3.WithPrefix())
	if err != nil {
		return model.Installed{}, nil, fmt.Errorf("get %s: %w", dir, err)
	}
	out := model.Installed{Debs: map[string]model.Version{}, Images: map[string]string{}}
	var invalid []model.InvalidKey
	for _, kv := range resp.Kvs {
		kind, name, err := s.parseInstallKey(lrn, string(kv.Key))
		if err == nil && kind == installDebsDir {
			err = decodeEntry(kv.Value, out.Debs, name)
		} else if err == nil {
			err = decodeEntry(kv.Value, out.Images, name)
		}
		if err != nil {
			invalid = append(invalid, model.InvalidKey{Key: string(kv.Key), Err: err})
		}
	}
	return out, invalid, nil
}

func checkInstall(lrn int, name string) error {
	if lrn < 0 {
		return fmt.Errorf("lrn %d: %w", lrn, ErrInvalid)
	}
	if err := checkName(name); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}
