package worker

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/necoship/neco/pkg/plan"
)

// The loop reads the plan on every round: a plan is parsed again only once
// the file was replaced (as dpkg replaces it).
func TestPlansReparsesOnlyReplacedFiles(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, plan.DefaultPath)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(content string) {
		tmp := path + ".dpkg-new"
		if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	p := &Plans{Root: root}
	if _, err := p.Load(context.Background()); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("no plan: err = %v, want fs.ErrNotExist", err)
	}
	write("version: 1.0\n")
	for _, want := range []string{"1.0", "1.0"} {
		got, err := p.Load(context.Background())
		if err != nil || got.Version.String() != want {
			t.Fatalf("Load = %s, %v; want %s", got.Version, err, want)
		}
	}
	write("version: 2.0\n")
	if got, err := p.Load(context.Background()); err != nil || got.Version.String() != "2.0" {
		t.Fatalf("after the file was replaced: Load = %s, %v; want 2.0", got.Version, err)
	}
	write("version: [\n")
	if _, err := p.Load(context.Background()); err == nil {
		t.Fatal("a broken plan replacing a good one was served from the cache")
	}
}
