package images

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewRefusesBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		o       Options
		wantErr string
	}{
		{"negative parallel", Options{Parallel: -1}, "images: parallel: -1 is negative"},
		{"negative dial timeout", Options{DialTimeout: -time.Second}, "images: dial-timeout: -1s is negative"},
		{"url in plain-http", Options{PlainHTTP: []string{"mirror:5000", "http://mirror:5000"}}, `images: plain-http[1]: "http://mirror:5000" is not host or host:port`},
		{"path in plain-http", Options{PlainHTTP: []string{"mirror/v2"}}, `images: plain-http[0]: "mirror/v2" is not host or host:port`},
		{"empty plain-http", Options{PlainHTTP: []string{""}}, "images: plain-http[0]: empty host"},
		{"empty port", Options{PlainHTTP: []string{"mirror:"}}, `images: plain-http[0]: "mirror:" has an empty port`},
		{"url mirror", Options{Mirrors: map[string]string{"registry.example": "https://mirror"}}, `images: mirrors[registry.example]: "https://mirror" is not host`},
		{"url mirror key", Options{Mirrors: map[string]string{"https://registry.example": "mirror"}}, `images: mirrors: key "https://registry.example": `},
		{"credentials in clear", Options{PlainHTTP: []string{"127.0.0.1:5000", "mirror.example:5000"}, Access: Access{
			Credentials: map[string]Credential{"127.0.0.1:5000": {"u", "p"}, "mirror.example:5000": {"u", "p"}}}},
			"images: credentials[mirror.example:5000]: mirror.example:5000 is reached over plain HTTP and is not loopback"},
		{"credentials without password", Options{Access: Access{Credentials: map[string]Credential{"r.example": {Username: "u"}}}},
			"images: credentials[r.example]: want both a username and a password"},
		{"url credentials key", Options{Access: Access{Credentials: map[string]Credential{"https://r.example": {"u", "p"}}}},
			`images: credentials: key "https://r.example": `},
		{"proxy not http", Options{Access: Access{Proxy: "socks5://u:secret-pw@proxy:1080"}},
			"images: proxy: want an absolute http or https URL (value not shown: it may hold a password)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Address = filepath.Join(t.TempDir(), "never-dialled.sock")
			p, err := New(context.Background(), tc.o)
			if err == nil {
				p.Close()
				t.Fatal("New accepted the options")
			}
			if !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("New: %q, want it to start with %q", err, tc.wantErr)
			}
		})
	}
}

// With nothing listening, New gives up by the earlier of DialTimeout and
// ctx's deadline, and says which socket it tried.
func TestNewUnreachable(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "nobody.sock")
	for _, tc := range []struct {
		name        string
		dialTimeout time.Duration
		ctx         func() (context.Context, context.CancelFunc)
	}{
		{"dial timeout", 300 * time.Millisecond, func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}},
		{"ctx deadline", 0, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 300*time.Millisecond)
		}},
		{"ctx ended", 0, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			start := time.Now()
			p, err := New(ctx, Options{Address: sock, DialTimeout: tc.dialTimeout})
			if err == nil {
				p.Close()
				t.Fatal("New connected to nothing")
			}
			t.Logf("error: %v", err)
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("New took %v", took)
			}
			if want := "connect containerd " + sock + ": "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("New: %q, want it to start with %q", err, want)
			}
			if tc.name != "ctx ended" && !strings.Contains(err.Error(), "is containerd running?") {
				t.Errorf("New: %q does not say the socket is missing", err)
			}
		})
	}
}

func TestNewPreparesContainerd(t *testing.T) {
	e := newEnv(t)
	p := e.puller(t, Options{})
	if p.namespace != DefaultNamespace || p.snapshotter != DefaultSnapshotter || p.parallel != DefaultParallel {
		t.Errorf("defaults: namespace %q, snapshotter %q, parallel %d", p.namespace, p.snapshotter, p.parallel)
	}
	// Twice the same namespace: the second New finds it.
	e.puller(t, Options{Namespace: "k8s.io"})
	e.puller(t, Options{Namespace: "k8s.io"})
	names, err := p.client.NamespaceService().List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	if want := []string{"k8s.io", "neco"}; !slices.Equal(names, want) {
		t.Errorf("namespaces %q, want %q", names, want)
	}

	for _, tc := range []struct {
		snapshotter, wantErr string
	}{
		{"nosuch", "snapshotter nosuch: not a containerd snapshotter"},
		// Loaded by containerd, but it refused the ext4 temp dir.
		{"btrfs", "snapshotter btrfs: did not load: "},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		p, err := New(ctx, Options{Address: e.Socket, Snapshotter: tc.snapshotter})
		cancel()
		if err == nil {
			p.Close()
			t.Errorf("New with snapshotter %s succeeded", tc.snapshotter)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.wantErr) {
			t.Errorf("New: %q, want it to start with %q", err, tc.wantErr)
		}
		t.Logf("snapshotter %s: %v", tc.snapshotter, err)
	}
}
