package deb

import (
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/deb/debtest"
	"github.com/necoship/neco/pkg/model"
)

func TestInspect(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	i := newInstaller(t, Options{})
	dir := t.TempDir()
	deb := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "1.0~rc1", Arch: "all"})

	got, err := i.Inspect(context.Background(), deb)
	if err != nil {
		t.Fatal(err)
	}
	want := Package{Name: "example-site", Version: model.MustParseVersion("1.0~rc1"), Architecture: "all"}
	if d := cmp.Diff(want, got, versionEq); d != "" {
		t.Errorf("Inspect (-want +got):\n%s", d)
	}
}

// An epoch is valid for dpkg but not for neco's version order.
func TestInspectRejectsEpoch(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	i := newInstaller(t, Options{})
	deb := debtest.Build(t, t.TempDir(), debtest.Spec{Name: "example-site", Version: "1:2.0"})

	_, err := i.Inspect(context.Background(), deb)
	if !errors.Is(err, ErrBadPackage) || !errors.Is(err, model.ErrInvalidVersion) {
		t.Fatalf("err = %v, want ErrBadPackage and model.ErrInvalidVersion", err)
	}
	if !strings.Contains(err.Error(), "field Version") {
		t.Errorf("err = %q does not name the field", err)
	}
}

// A corrupt file fails in Inspect, so Install never hands it to dpkg -i.
func TestInstallCorruptPackage(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	dir := t.TempDir()
	// Random bytes do not compress: the data member is most of the file, so
	// cutting the file short cuts the data member, which dpkg-deb --show
	// alone never reads.
	blob := make([]byte, 64<<10)
	rand.Read(blob)
	good := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "1.0",
		Files: map[string]string{"usr/share/example-site/blob": string(blob)}})
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte // nil: no file at all
		dir     bool
		wantIs  error
		want    string
	}{
		{name: "cut in half", content: whole[:len(whole)/2], wantIs: ErrBadPackage, want: "unexpected end of file"},
		{name: "last byte missing", content: whole[:len(whole)-1], wantIs: ErrBadPackage, want: "dpkg-deb --contents"},
		{name: "not a deb", content: []byte("hello\n"), wantIs: ErrBadPackage, want: "not a Debian format archive"},
		{name: "empty", content: []byte{}, wantIs: ErrBadPackage, want: "dpkg-deb --show"},
		{name: "missing", wantIs: fs.ErrNotExist, want: "no such file"},
		{name: "directory", dir: true, wantIs: ErrBadPackage, want: "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "example-site_1.0_amd64.deb")
			switch {
			case tt.dir:
				if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
			case tt.content != nil:
				if err := os.WriteFile(path, tt.content, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			rec := &recorder{}
			i := newInstaller(t, Options{Root: debtest.NewRoot(t), Run: rec.run})
			ctx := context.Background()

			_, err := i.Inspect(ctx, path)
			if !errors.Is(err, tt.wantIs) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Inspect err = %v, want %v containing %q", err, tt.wantIs, tt.want)
			}
			if _, err := i.Install(ctx, path, InstallOptions{}); !errors.Is(err, tt.wantIs) {
				t.Errorf("Install err = %v, want %v", err, tt.wantIs)
			}
			if got := rec.installs(); len(got) != 0 {
				t.Errorf("dpkg -i ran on a corrupt file: %q", got)
			}
		})
	}
}

func TestParseShow(t *testing.T) {
	tests := []struct{ out, wantErr string }{
		{out: "example-site\t1.0\tamd64\n"},
		{out: "", wantErr: "unexpected control fields"},
		{out: "example-site\t1.0\n", wantErr: "unexpected control fields"},
		{out: "example-site\t1.0\tamd64\nother\t1.0\tamd64\n", wantErr: "unexpected control fields"},
		{out: "Example\t1.0\tamd64\n", wantErr: "field Package"},
		{out: "example-site\tv1\tamd64\n", wantErr: "field Version"},
		{out: "example-site\t1.0\t\n", wantErr: "field Architecture"},
	}
	for _, tt := range tests {
		_, err := parseShow(tt.out)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("parseShow(%q) err = %v, want %q", tt.out, err, tt.wantErr)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, name := range []string{"ab", "example-site", "libc++1", "g0.9", "0ad"} {
		if err := checkName(name); err != nil {
			t.Errorf("checkName(%q) = %v, want ok", name, err)
		}
	}
	for _, name := range []string{"", "a", "-rf", "+x", "Example", "ex*", "ex?", "a b", "a_b", "a/b", "a:amd64"} {
		if err := checkName(name); err == nil {
			t.Errorf("checkName(%q) = nil, want an error", name)
		}
	}
}
