package worker

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/metrics/metricstest"
	"github.com/necoship/neco/pkg/model"
)

// TestMetricsDuringUpdate scrapes the updater's and the workers' /metrics
// while an update runs and after it ends, and finds the series
// docs/metrics.md documents, with values that follow the update.
func TestMetricsDuringUpdate(t *testing.T) {
	s := newSite(t)
	const v = "2026.11.23-1"
	s.publish(release{version: v, plan: sitePlan(v, 1, filepath.Join(t.TempDir(), "once.log"), "")})
	servers := []int{0, 1, 2}
	s.join(servers...)
	// Server 0's systemd jobs wait for gate: its first restart, a rolling
	// turn that holds the others back, stays running until the scrapes
	// below have seen it, however slow or fast the machine is.
	gate := make(chan struct{})
	var nodes []*node
	for _, l := range servers {
		n := s.newNode(l)
		if l == 0 {
			n.gate = gate
		}
		nodes = append(nodes, n)
		s.run(n)
	}
	s.runUpdater()

	// During: server 0 is past prepare and reports its held restart.
	snap := s.waitFor("server 0 running a service step", time.Minute, func(sn model.Snapshot) bool {
		w, ok := sn.Workers[0]
		return sn.Current != nil && ok && w.ID == sn.Current.ID && w.Step >= 1 && w.Cond == model.CondRunning
	})
	id := snap.Current.ID
	// The updater publishes what it read at its last snapshot: wait for it
	// to have read server 0's report.
	up := scrapeUntil(t, s.metricsURL, "server 0 running in neco_server_cond", func(f metricstest.Families) bool {
		return slices.Contains(f.Samples("neco_server_cond"), "cond=running,lrn=0: 1")
	})
	wantTarget := []string{fmt.Sprintf("tag=release-%s,update_id=%d,version=%s: 1", v, id, v)}
	if diff := cmp.Diff(wantTarget, up.Samples("neco_target_version_info")); diff != "" {
		t.Errorf("target during the update (-want +got):\n%s", diff)
	}
	if conds := up.Samples("neco_server_cond"); len(conds) != len(servers) {
		t.Errorf("server_cond during the update = %q, want one per server", conds)
	}
	for name, want := range map[string]string{
		"neco_leader":               "role=updater: 1",
		"neco_release_checks_total": "result=error: 0",
	} {
		if got := up.Samples(name); !slices.Contains(got, want) {
			t.Errorf("%s = %q, want %q among them", name, got, want)
		}
	}
	if checks := up.Samples("neco_release_checks_total"); slices.Contains(checks, "result=ok: 0") {
		t.Errorf("release checks = %q: the update started without a successful check?", checks)
	}
	if got := up.Samples("neco_update_duration_seconds"); len(got) != 0 {
		t.Errorf("an update is observed before it ended: %q", got)
	}

	close(gate)
	s.waitEnd(model.ResultCompleted, time.Minute)
	up = metricstest.Scrape(t, s.metricsURL)
	if diff := cmp.Diff([]string{"result=completed: 1"}, up.Samples("neco_update_duration_seconds")); diff != "" {
		t.Errorf("update durations after the end (-want +got):\n%s", diff)
	}
	var wantConds []string
	for _, l := range servers {
		wantConds = append(wantConds, fmt.Sprintf("cond=completed,lrn=%d: 1", l))
	}
	if diff := cmp.Diff(wantConds, up.Samples("neco_server_cond")); diff != "" {
		t.Errorf("server_cond after the end (-want +got):\n%s", diff)
	}

	// Every worker timed each step kind of the plan once; one of them led.
	leaders := 0
	for _, n := range nodes {
		wm := metricstest.Scrape(t, n.metricsURL)
		kinds := wm.Samples("neco_step_duration_seconds")
		want := []string{"kind=prepare,result=ok: 1", "kind=restart,result=ok: 2", "kind=start,result=ok: 1", "kind=stop,result=ok: 1"}
		if slices.Contains(wm.Samples("neco_leader"), "role=worker: 1") {
			leaders++
			want = []string{"kind=once,result=ok: 1", "kind=prepare,result=ok: 1", "kind=restart,result=ok: 2", "kind=start,result=ok: 1", "kind=stop,result=ok: 1"}
		}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("server %d step durations (-want +got):\n%s", n.lrn, diff)
		}
	}
	if leaders != 1 {
		t.Errorf("%d workers report leading, want 1", leaders)
	}
}

// scrapeUntil scrapes url until cond holds of a scrape, and returns that
// one; it fails the test after a minute.
func scrapeUntil(t *testing.T, url, what string, cond func(metricstest.Families) bool) metricstest.Families {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		f := metricstest.Scrape(t, url)
		if cond(f) {
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last server_cond %q", what, f.Samples("neco_server_cond"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
