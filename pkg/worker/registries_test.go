package worker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/images"
	"github.com/necoship/neco/pkg/images/imagestest"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/plan"
)

// The cluster's registry-credentials reach the pull: a private image
// pulls with them. Without them, or with credentials that would cross
// the network in clear, the pull fails permanently (the worker aborts
// the step instead of retrying) and says why.
func TestPullWithClusterCredentials(t *testing.T) {
	env := imagestest.Start(t)
	private := imagestest.StartAuthRegistry(t, map[string]string{"puller": "right-pw"})
	digest := imagestest.PushAs(t, private, "puller", "right-pw", "site/app", "1", map[string]string{"bin/app": "app"})
	imgs := []plan.Image{{Name: "app", Ref: imagestest.Pinned(private, "site/app", "1", digest)}}
	const clear = "mirror.example:5000" // plain HTTP and not loopback
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	for _, tc := range []struct {
		name, credentials string
		wantErr           string // "" for a pull that succeeds
	}{
		{name: "with", credentials: private + ": {username: puller, password: right-pw}\n"},
		{name: "without", wantErr: "registry " + private + " asks for a username and password"},
		{name: "in clear", credentials: clear + ": {username: puller, password: right-pw}\n",
			wantErr: "registry-credentials, proxy, no-proxy: images: credentials[" + clear + "]: " + clear + " is reached over plain HTTP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := config.ParseCluster(map[string]string{"registry-credentials": tc.credentials})
			if err != nil {
				t.Fatal(err)
			}
			p, err := images.New(ctx, images.Options{Address: env.Socket, Namespace: "creds-" + strings.ReplaceAll(tc.name, " ", "-"),
				PlainHTTP: []string{private, clear}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			// As the daemon makes it: connected once, the round's access.
			ctrd := &lazy[Images]{connect: func(context.Context) (Images, error) { return Images{Puller: p}, nil }, close: func(Images) {}}
			got, err := lazyImages{ctrd, registryAccess(cfg)}.Pull(ctx, imgs)
			if tc.wantErr == "" {
				if err != nil || len(got) != 1 || got[0].Digest != digest {
					t.Fatalf("Pull = %+v, %v; want %s pulled", got, err, digest)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Pull: %v, want an error saying %q", err, tc.wantErr)
			}
			if !op.IsPermanent(err) {
				t.Errorf("Pull: %v is not permanent: the worker would retry", err)
			}
			if strings.Contains(err.Error(), "right-pw") {
				t.Errorf("Pull: %v shows the password", err)
			}
		})
	}
}

// proxy and no-proxy reach the pull as they are; no credentials stay nil.
func TestRegistryAccess(t *testing.T) {
	cfg, _, err := config.ParseCluster(map[string]string{"proxy": "http://proxy.example:3128", "no-proxy": "mirror.example, 10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	got := registryAccess(cfg)
	if got.Proxy != "http://proxy.example:3128" || got.NoProxy != "mirror.example,10.0.0.0/8" || got.Credentials != nil {
		t.Errorf("registryAccess = %+v", got)
	}
}
