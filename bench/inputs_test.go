package bench

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/deb/debtest"
	"github.com/necoship/neco/pkg/images/imagestest"
	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
	"github.com/necoship/neco/pkg/storage"
)

// The site package and the sizes of what a rollout moves. The payloads are
// random, so that nothing compresses them away: the registry, containerd
// and dpkg move and unpack every byte. They are small next to real site
// images on purpose: the fixed costs, which are what the overhead
// benchmark looks for, then weigh the most.
const (
	sitePackage  = "bench-site"
	debPayload   = 256 << 10
	imagePayload = 2 << 20
)

// imageNames are the plan's two images.
var imageNames = []string{"app", "tool"}

// seq numbers what a benchmark process makes: inputs and etcd prefixes.
// containerd shares blobs between namespaces and never fetches a blob it
// holds, so every run gets images of its own bytes, and its own
// repository in the mirror and prefix in etcd.
var seq atomic.Int64

// inputs is one release of the site, ready to roll out: its package in a
// mirror (GitHub's API and download URLs, SHA256SUMS beside it) and its
// two images in the registry, pinned by digest in its plan.
type inputs struct {
	seq     int64
	repo    string // owner/name in the mirror
	version model.Version
	tag     string
	debName string
	debURL  string
	sumsURL string
	refs    []string // pinned, in the order of imageNames
}

// releaseMirror serves published releases over HTTP on loopback, as
// GitHub (through its API) or a neco mirror would.
type releaseMirror struct {
	dir string
	url string // ends in "/": the github-api-url, and the download host
}

func newReleaseMirror(b *testing.B) *releaseMirror {
	b.Helper()
	m := &releaseMirror{dir: b.TempDir()}
	s := httptest.NewServer(mirror.NewServer(m.dir, mirror.ServerOptions{}))
	b.Cleanup(s.Close)
	m.url = s.URL + "/"
	return m
}

// publish builds the site package of version v, holding planText as its
// plan and payload as a file, and publishes it in repo as the release
// tagged release-V, with SHA256SUMS. It returns the package's file name.
func (m *releaseMirror) publish(b *testing.B, repo string, v model.Version, planText, payload string) string {
	b.Helper()
	path := debtest.Build(b, b.TempDir(), debtest.Spec{Name: sitePackage, Version: v.String(), Files: map[string]string{
		strings.TrimPrefix(plan.DefaultPath, "/"): planText,
		"usr/share/" + sitePackage + "/version":   v.String() + "\n",
		"usr/share/" + sitePackage + "/payload":   payload,
	}})
	if _, err := mirror.Publish(m.dir, mirror.PublishRequest{Repo: repo, Tag: "release-" + v.String(), Files: []string{path}}); err != nil {
		b.Fatal(err)
	}
	return filepath.Base(path)
}

// newInputs pushes two new images, builds the site package whose plan
// pins them and publishes it in m under a repository of its own.
func newInputs(b *testing.B, env *imagestest.Env, m *releaseMirror) inputs {
	b.Helper()
	n := seq.Add(1)
	rnd := rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16)})
	in := inputs{seq: n, repo: fmt.Sprintf("bench/site-%d", n), version: model.MustParseVersion(fmt.Sprintf("2026.11.23-%d", n))}
	in.tag = "release-" + in.version.String()
	var pl strings.Builder
	fmt.Fprintf(&pl, "version: %s\nimages:\n", in.version)
	for _, name := range imageNames {
		repo := fmt.Sprintf("bench/%s-%d", name, n)
		digest := env.Push(b, repo, "1", map[string]string{"bin/" + name: payload(rnd, imagePayload)})
		ref := imagestest.Pinned(env.Registry, repo, "1", digest)
		in.refs = append(in.refs, ref)
		fmt.Fprintf(&pl, "  - {name: %s, ref: %q}\n", name, ref)
	}
	in.debName = m.publish(b, in.repo, in.version, pl.String(), payload(rnd, debPayload))
	download := m.url + in.repo + "/releases/download/" + in.tag + "/"
	in.debURL, in.sumsURL = download+in.debName, download+mirror.ChecksumsName
	return in
}

func payload(rnd *rand.ChaCha8, n int) string {
	buf := make([]byte, n)
	_, _ = rnd.Read(buf) // never fails
	return string(buf)
}

// newCluster writes, under a prefix of its own, the cluster config that
// makes neco take the newest release of repo from m, and registers boot
// server 0; extra adds or replaces config keys.
func newCluster(b *testing.B, repo string, m *releaseMirror, extra map[string]string) *storage.Storage {
	b.Helper()
	prefix := fmt.Sprintf("/bench/%s/%d/", strings.ReplaceAll(b.Name(), "/", "_"), seq.Add(1))
	st := storage.New(srv.Client(b), prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := map[string]string{"env": "production", "github-repo": repo, "github-api-url": m.url}
	maps.Copy(cfg, extra)
	for k, v := range cfg {
		if err := st.PutConfig(ctx, k, v, model.ConfigAuthor{By: "test", At: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.PutBootserver(ctx, model.Bootserver{LRN: 0, Hostname: "boot-0", JoinedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	return st
}
