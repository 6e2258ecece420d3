package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/deb"
	"github.com/necoship/neco/pkg/deb/debtest"
	"github.com/necoship/neco/pkg/images"
	"github.com/necoship/neco/pkg/images/imagestest"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

// rolloutScript is the baseline: what the worker's prepare step does for
// a plan of one package and two images, as an SRE would script it. It
// downloads from the same mirror (by the URLs it is given, where the worker
// looks the release up by tag first), checks SHA256SUMS, runs dpkg with the
// worker's flags (pkg/deb) and pulls both images at once, as the worker
// does (images.Options.Parallel), so that the ratio is neco's overhead and
// not a difference in plan.
const rolloutScript = `set -eu
cd "$DL"
curl -fsS -o "$DEB" "$DEB_URL"
curl -fsS -o SHA256SUMS "$SUMS_URL"
sha256sum --check --strict --quiet SHA256SUMS
env DEBIAN_FRONTEND=noninteractive dpkg --root="$ROOT" --force-confdef --force-confold -i "$DEB" >/dev/null </dev/null
ctr --address "$SOCK" --namespace "$NS" images pull --plain-http "$IMG1" >/dev/null &
p1=$!
ctr --address "$SOCK" --namespace "$NS" images pull --plain-http "$IMG2" >/dev/null &
p2=$!
wait "$p1"
wait "$p2"
`

// BenchmarkOverhead rolls the same kind of release out with a shell script
// and with neco. Every iteration starts from nothing: a new release (new
// package, two images of new bytes, so that containerd fetches and
// unpacks every blob), a new dpkg root and a new containerd namespace; for
// neco also a new etcd prefix, updater and worker. Only the rollout is
// timed. script's ns/op is the script's run; neco's is the update's own
// time, from its start to its end as the updater records them
// (status/current's started_at, history's finished_at), plus where it went:
// fetch-ns, install-ns, pull-ns (the worker's executors) and coord-ns (the
// rest: etcd, decisions, reports, the updater noticing the end).
func BenchmarkOverhead(b *testing.B) {
	debtest.NeedDpkg(b)
	needBinary(b, "ctr", "containerd")
	needBinary(b, "curl", "curl")
	env := imagestest.Start(b)
	m := newReleaseMirror(b)
	b.Run("script", func(b *testing.B) { benchScript(b, env, m) })
	b.Run("neco", func(b *testing.B) { benchNeco(b, env, m) })
}

func benchScript(b *testing.B, env *imagestest.Env, m *releaseMirror) {
	b.StopTimer()
	script := filepath.Join(b.TempDir(), "rollout.sh")
	if err := os.WriteFile(script, []byte(rolloutScript), 0o644); err != nil {
		b.Fatal(err)
	}
	for range b.N {
		in := newInputs(b, env, m)
		root, ns := debtest.NewRoot(b), fmt.Sprintf("script-%d", in.seq)
		cmd := exec.Command("/bin/sh", script)
		cmd.Env = append(os.Environ(), "DL="+b.TempDir(), "DEB="+in.debName, "DEB_URL="+in.debURL,
			"SUMS_URL="+in.sumsURL, "ROOT="+root, "SOCK="+env.Socket, "NS="+ns, "IMG1="+in.refs[0], "IMG2="+in.refs[1])
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		b.StartTimer()
		err := cmd.Run()
		b.StopTimer()
		if err != nil {
			b.Fatalf("rollout.sh: %v\n%s", err, stderr.Bytes())
		}
		checkRolledOut(b, env, in, root, ns)
	}
}

func benchNeco(b *testing.B, env *imagestest.Env, m *releaseMirror) {
	b.StopTimer()
	var update, fetch, install, pull time.Duration
	for range b.N {
		in := newInputs(b, env, m)
		st := newCluster(b, in.repo, m, nil)
		root, ns := debtest.NewRoot(b), fmt.Sprintf("neco-%d", in.seq)
		puller := newPuller(b, env, ns)
		t := &timings{}
		g := newGroup()
		b.Cleanup(func() { _ = g.stop() }) // a failed iteration; the normal end is below
		startWorker(b, g, st, root, puller, t)
		h := rollOut(b, g, st)
		if !h.Version.Equal(in.version) {
			b.Fatalf("update %d rolled out %s, want %s", h.ID, h.Version, in.version)
		}
		if err := g.stop(); err != nil {
			b.Fatal(err)
		}
		checkRolledOut(b, env, in, root, ns)
		update += h.FinishedAt.Sub(h.StartedAt)
		fetch += time.Duration(t.fetch.Load())
		install += time.Duration(t.install.Load())
		pull += time.Duration(t.pull.Load())
	}
	n := float64(b.N)
	b.ReportMetric(float64(update)/n, "ns/op")
	b.ReportMetric(float64(fetch)/n, "fetch-ns")
	b.ReportMetric(float64(install)/n, "install-ns")
	b.ReportMetric(float64(pull)/n, "pull-ns")
	b.ReportMetric(float64(update-fetch-install-pull)/n, "coord-ns")
}

// rollOut starts the updater, which starts the update at once, and waits
// for the update to end completed. The benchmark's timer runs meanwhile
// (it paces b.N), but ns/op is taken from the recorded times.
func rollOut(b *testing.B, g *group, st *storage.Storage) model.HistoryEntry {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rolloutTimeout)
	defer cancel()
	snap, err := st.Snapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	events := st.Watch(ctx, snap.Revision, st.HistoryPrefix(), true)
	b.StartTimer()
	startUpdater(b, g, st)
	h, err := waitFinished(ctx, st, events)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if h.Result != model.ResultCompleted {
		b.Fatalf("update %d ended %s: %s", h.ID, h.Result, h.Message)
	}
	return h
}

// checkRolledOut fails b unless the release of in is installed in root
// and both its images are in namespace ns, unpacked.
func checkRolledOut(b *testing.B, env *imagestest.Env, in inputs, root, ns string) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	inst, err := deb.New(deb.Options{Root: root})
	if err != nil {
		b.Fatal(err)
	}
	if v, ok, err := inst.Installed(ctx, sitePackage); err != nil || !ok || !v.Equal(in.version) {
		b.Fatalf("%s in %s: installed %t at %s (%v), want %s", sitePackage, root, ok, v, err, in.version)
	}
	var reqs []images.Request
	for i, name := range imageNames {
		reqs = append(reqs, images.Request{Name: name, Ref: in.refs[i]})
	}
	res, err := newPuller(b, env, ns).Pull(ctx, reqs)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range res {
		if r.Pulled {
			b.Fatalf("image %s was missing from namespace %s after the rollout", r.Name, ns)
		}
	}
}

func newPuller(b *testing.B, env *imagestest.Env, ns string) *images.Puller {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := images.New(ctx, images.Options{Address: env.Socket, Namespace: ns, PlainHTTP: []string{env.Registry}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	return p
}

// needBinary skips b, naming the Debian package, when bin is not on PATH.
func needBinary(b *testing.B, bin, pkg string) {
	b.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		b.Skipf("%s not found: install the Debian package %s", bin, pkg)
	}
}
