package worker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/images"
	"github.com/necoship/neco/pkg/images/imagestest"
	"github.com/necoship/neco/pkg/model"
)

// The plan's images go through a real containerd from a real registry:
// every server records the pinned digests, and the images are there
// afterwards (pulling again fetches nothing).
func TestRolloutPullsImagesThroughContainerd(t *testing.T) {
	env := imagestest.Start(t)
	s := newSite(t)
	refs := map[string]string{}
	for _, name := range []string{"app", "tool"} {
		digest := env.Push(t, "site/"+name, "1", map[string]string{"bin/" + name: name})
		refs[name] = imagestest.Pinned(env.Registry, "site/"+name, "1", digest)
	}
	const v = "2026.11.23-1"
	s.publish(release{version: v, plan: fmt.Sprintf("version: %s\nimages:\n  - {name: app, ref: %q}\n  - {name: tool, ref: %q}\n"+
		"services:\n  - {unit: app.service, images: [app], strategy: rolling}\n", v, refs["app"], refs["tool"])})
	s.join(0, 1)
	pullers := map[int]*images.Puller{}
	for _, lrn := range []int{0, 1} {
		n := s.newNode(lrn)
		// One containerd, one namespace per boot server: each pulls for
		// itself, as on separate machines.
		pullers[lrn] = newPuller(t, env, fmt.Sprintf("boot-%d", lrn))
		n.images = Images{Puller: pullers[lrn]}
		s.run(n)
	}
	s.runUpdater()
	s.waitEnd(model.ResultCompleted, time.Minute)
	for lrn, p := range pullers {
		inst, _, err := s.st.ListInstalled(context.Background(), lrn)
		if err != nil {
			t.Fatal(err)
		}
		for name, ref := range refs {
			if want := ref[len(ref)-71:]; inst.Images[name] != want {
				t.Errorf("server %d recorded %s = %q, want %s", lrn, name, inst.Images[name], want)
			}
		}
		res, err := p.Pull(context.Background(), []images.Request{{Name: "app", Ref: refs["app"]}, {Name: "tool", Ref: refs["tool"]}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Pulled {
				t.Errorf("server %d: %s was pulled again; the worker left it missing", lrn, r.Name)
			}
		}
	}
}

func newPuller(t *testing.T, env *imagestest.Env, namespace string) *images.Puller {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := images.New(ctx, images.Options{Address: env.Socket, Namespace: namespace, PlainHTTP: []string{env.Registry}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
