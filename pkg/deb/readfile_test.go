package deb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/necoship/neco/pkg/deb/debtest"
)

func TestReadFile(t *testing.T) {
	debtest.NeedDpkg(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where ReadFile unpacks; checked empty at the end
	i := newInstaller(t, Options{})
	dir := t.TempDir()
	deb := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "1.0", Files: map[string]string{
		"usr/share/neco/plan.yaml": "version: 1.0\n",
	}})
	junk := filepath.Join(dir, "junk.deb")
	if err := os.WriteFile(junk, []byte("!<arch>\nnot really\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	got, err := i.ReadFile(ctx, deb, "/usr/share/neco/plan.yaml")
	if err != nil || string(got) != "version: 1.0\n" {
		t.Fatalf("ReadFile = %q, %v; want the plan", got, err)
	}
	tests := []struct {
		deb, name string
		want      error // nil: any error
	}{
		{deb, "/usr/share/neco/other.yaml", ErrNoFile},
		{deb, "/usr/share/neco", ErrNoFile}, // a directory
		{deb, "usr/share/neco/plan.yaml", nil},
		{deb, "/", nil},
		{junk, "/usr/share/neco/plan.yaml", ErrBadPackage},
		{filepath.Join(dir, "missing.deb"), "/usr/share/neco/plan.yaml", nil},
	}
	for _, tt := range tests {
		_, err := i.ReadFile(ctx, tt.deb, tt.name)
		if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("ReadFile(%s, %s) = %v, want %v", filepath.Base(tt.deb), tt.name, err, tt.want)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}
