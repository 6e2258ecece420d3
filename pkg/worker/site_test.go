package worker

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/deb"
	"github.com/necoship/neco/pkg/deb/debtest"
	"github.com/necoship/neco/pkg/etcdtest"
	"github.com/necoship/neco/pkg/leader"
	"github.com/necoship/neco/pkg/metrics"
	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/notify"
	"github.com/necoship/neco/pkg/plan"
	"github.com/necoship/neco/pkg/releases"
	"github.com/necoship/neco/pkg/storage"
	"github.com/necoship/neco/pkg/updater"
)

var srv *etcdtest.Server

func TestMain(m *testing.M) {
	if in := os.Getenv(probeEnv); in != "" {
		os.Exit(localUserProbe(in))
	}
	os.Exit(etcdtest.Main(m, &srv))
}

const sitePackage = "example-site"

// site is one data center in a test: a release mirror, a namespaced etcd
// with cluster config, a real neco-updater leader, and workers, each with
// its own dpkg root.
type site struct {
	t         *testing.T
	st        *storage.Storage
	mirrorDir string
	debDir    string
	log       *zap.Logger
	events    *unitEvents
	// metricsURL is the updater leader's /metrics, once runUpdater ran.
	metricsURL string
	// trigger makes the updater check releases now, as a webhook would.
	trigger *releases.Trigger
	// client opens a new etcd client for one process of the site.
	client func() *clientv3.Client
}

// newSite is a site on the package's shared etcd, under its own prefix.
func newSite(t *testing.T) *site {
	t.Helper()
	return newSiteOn(t, func() *clientv3.Client { return srv.Client(t) }, etcdtest.Prefix(t))
}

// newSiteOn is a site whose processes reach etcd through client.
func newSiteOn(t *testing.T, client func() *clientv3.Client, prefix string) *site {
	t.Helper()
	debtest.NeedDpkg(t)
	s := &site{t: t, st: storage.New(client(), prefix), mirrorDir: t.TempDir(), debDir: t.TempDir(),
		log: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)), events: &unitEvents{}, trigger: releases.NewTrigger(), client: client}
	api := httptest.NewServer(mirror.NewServer(s.mirrorDir, mirror.ServerOptions{}))
	t.Cleanup(api.Close)
	s.setConfig("env", "production", "github-repo", "example/site", "github-api-url", api.URL+"/", "worker-timeout", "2m")
	return s
}

// setConfig sets cluster config keys, given as name, value pairs.
func (s *site) setConfig(kv ...string) {
	s.t.Helper()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := s.st.PutConfig(context.Background(), kv[i], kv[i+1], model.ConfigAuthor{By: "test", At: time.Now()}); err != nil {
			s.t.Fatal(err)
		}
	}
}

// heldInRollingRestart publishes version with sitePlan, runs servers lrns
// and the updater, and returns once the first of lrns is in its rolling
// restart of etcd.service, which its fake systemd holds until the test
// closes the returned gate: a state the test can act in, however fast the
// machine.
func (s *site) heldInRollingRestart(version string, lrns ...int) chan struct{} {
	s.t.Helper()
	s.publish(release{version: version, plan: sitePlan(version, 1, filepath.Join(s.t.TempDir(), "once.log"), "")})
	s.join(lrns...)
	gate := make(chan struct{})
	for i, l := range lrns {
		n := s.newNode(l)
		if i == 0 {
			n.gate = gate
		}
		s.run(n)
	}
	s.runUpdater()
	first := lrns[0]
	s.waitFor(fmt.Sprintf("server %d in its rolling restart", first), time.Minute, func(sn model.Snapshot) bool {
		w, ok := sn.Workers[first]
		return sn.Current != nil && ok && w.ID == sn.Current.ID && w.Cond == model.CondRunning &&
			strings.HasPrefix(w.StepName, "restart etcd.service")
	})
	return gate
}

// completedSite is a site of servers lrns that completed its update to
// version: the release before the one a test is about.
func completedSite(t *testing.T, version string, lrns ...int) (*site, []*node) {
	t.Helper()
	s := newSite(t)
	s.publish(release{version: version})
	s.join(lrns...)
	var nodes []*node
	for _, l := range lrns {
		n := s.newNode(l)
		s.run(n)
		nodes = append(nodes, n)
	}
	s.runUpdater()
	s.waitEnd(model.ResultCompleted, time.Minute)
	return s, nodes
}

// release is what publish puts in the mirror.
type release struct {
	version string
	plan    string // plan.yaml; "" = a plan with only the version
	// corrupt publishes a SHA256SUMS that does not match the package.
	corrupt bool
	// postinst is the package's postinst script; "" = none.
	postinst string
}

// publish builds the site package of r with dpkg-deb and publishes it.
func (s *site) publish(r release) {
	s.t.Helper()
	pl := r.plan
	if pl == "" {
		pl = "version: " + r.version + "\n"
	}
	spec := debtest.Spec{Name: sitePackage, Version: r.version, Files: map[string]string{
		strings.TrimPrefix(plan.DefaultPath, "/"): pl,
		"usr/share/" + sitePackage + "/version":   r.version + "\n",
	}}
	if r.postinst != "" {
		spec.Scripts = map[string]string{"postinst": r.postinst}
	}
	path := debtest.Build(s.t, s.debDir, spec)
	req := mirror.PublishRequest{Repo: "example/site", Tag: "release-" + r.version, Files: []string{path}}
	if r.corrupt {
		sums := filepath.Join(s.t.TempDir(), mirror.ChecksumsName)
		bad := fmt.Sprintf("%064x  %s\n", 1, filepath.Base(path))
		if err := os.WriteFile(sums, []byte(bad), 0o644); err != nil {
			s.t.Fatal(err)
		}
		req.Files = append(req.Files, sums)
	}
	if _, err := mirror.Publish(s.mirrorDir, req); err != nil {
		s.t.Fatal(err)
	}
}

// join registers boot servers.
func (s *site) join(lrns ...int) {
	s.t.Helper()
	for _, l := range lrns {
		if err := s.st.PutBootserver(context.Background(), model.Bootserver{LRN: l, Hostname: fmt.Sprintf("boot-%d", l), JoinedAt: time.Now()}); err != nil {
			s.t.Fatal(err)
		}
	}
}

type nopNotifier struct{}

func (nopNotifier) Notify(config.Cluster, notify.Event) {}

// runUpdater runs a real neco-updater leader until the test ends.
func (s *site) runUpdater() {
	s.t.Helper()
	client := s.client()
	st := storage.New(client, s.st.Prefix())
	el, err := leader.New(leader.Options{Client: client, Key: st.LeaderUpdaterKey(), Name: "updater", TTL: time.Second, Logger: s.log})
	if err != nil {
		s.t.Fatal(err)
	}
	reg := metrics.NewRegistry("test")
	m := metrics.NewUpdater(reg)
	s.metricsURL = serveMetrics(s.t, reg)
	ctl := &updater.Controller{Store: st, Checker: updater.NewReleaseChecker(s.log, m), Notifier: nopNotifier{},
		Trigger: s.trigger, Gate: &updater.PrometheusGate{}, Log: s.log.Named("updater"), Now: time.Now, Tick: 50 * time.Millisecond, Metrics: m}
	_, _ = s.background("updater", func(ctx context.Context) error { return el.Run(ctx, ctl.Run) })
}

// serveMetrics serves reg until the test ends and returns its /metrics URL.
func serveMetrics(t *testing.T, reg *metrics.Registry) string {
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	return srv.URL + "/metrics"
}

// background runs fn until stop is called or the test ends; exited is
// closed when fn returns by itself. A test that calls stop checks its
// error; one left to the cleanup must be nil.
func (s *site) background(name string, fn func(ctx context.Context) error) (stop func() error, exited <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ended := make(chan struct{})
	go func() { done <- fn(ctx); close(ended) }()
	var once sync.Once
	var err error
	stopOnce := func() error {
		once.Do(func() {
			cancel()
			err = <-done
			if errors.Is(err, context.Canceled) {
				err = nil
			}
		})
		return err
	}
	var stoppedByTest bool
	s.t.Cleanup(func() {
		if !stoppedByTest {
			if err := stopOnce(); err != nil {
				s.t.Errorf("%s: %v", name, err)
			}
		}
	})
	return func() error { stoppedByTest = true; return stopOnce() }, ended
}

// waitFor polls snapshots until cond holds.
func (s *site) waitFor(what string, timeout time.Duration, cond func(model.Snapshot) bool) model.Snapshot {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		snap := s.snapshot()
		if cond(snap) {
			return snap
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s; current %+v, workers %+v, finished %+v", what, snap.Current, snap.Workers, snap.Finished)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ended(s model.Snapshot) bool { return s.Finished != nil }

// waitEnd waits for the update to end and fails the test unless it ended
// with want.
func (s *site) waitEnd(want model.Result, timeout time.Duration) model.Snapshot {
	s.t.Helper()
	snap := s.waitFor("the update to end", timeout, ended)
	if snap.Finished.Result != want {
		s.t.Fatalf("update ended %s (%s), want %s", snap.Finished.Result, snap.Finished.Message, want)
	}
	return snap
}

// installed reports the version of the site package in a worker's root.
func installedVersion(t *testing.T, root string) (string, bool) {
	t.Helper()
	i, err := deb.New(deb.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	v, ok, err := i.Installed(context.Background(), sitePackage)
	if err != nil {
		t.Fatal(err)
	}
	return v.String(), ok
}
