package deb

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/model"
)

// recorder is a Runner that records every argv and runs it for real,
// unless fake is set and returns true for it.
type recorder struct {
	mu    sync.Mutex
	calls [][]string
	fake  func(argv []string) bool
}

func (r *recorder) run(ctx context.Context, argv []string) ([]byte, []byte, error) {
	r.mu.Lock()
	r.calls = append(r.calls, slices.Clone(argv))
	r.mu.Unlock()
	if r.fake != nil && r.fake(argv) {
		return nil, nil, nil
	}
	return Exec(ctx, argv)
}

// installs returns the recorded dpkg -i command lines.
func (r *recorder) installs() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out [][]string
	for _, c := range r.calls {
		if slices.Contains(c, "-i") {
			out = append(out, c)
		}
	}
	return out
}

func newInstaller(t *testing.T, o Options) *Installer {
	t.Helper()
	i, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// versionEq lets go-cmp compare model.Version, which has unexported fields.
var versionEq = cmp.Comparer(func(a, b model.Version) bool { return a.String() == b.String() })

func pkg(name, version string) Package {
	return Package{Name: name, Version: model.MustParseVersion(version), Architecture: "amd64"}
}

// wantInstalled fails unless Installed reports name at version (or not at
// all, for version "").
func wantInstalled(t *testing.T, i *Installer, name, version string) {
	t.Helper()
	v, ok, err := i.Installed(context.Background(), name)
	if err != nil {
		t.Fatalf("Installed(%s): %v", name, err)
	}
	if got := map[bool]string{true: v.String(), false: ""}[ok]; got != version {
		t.Errorf("Installed(%s) = %q, %v; want %q", name, v, ok, version)
	}
}
