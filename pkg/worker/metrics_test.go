package worker

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
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
	var nodes []*node
	for _, l := range servers {
		n := s.newNode(l)
		n.hold = 300 * time.Millisecond // restarts last long enough to be seen running
		nodes = append(nodes, n)
		s.run(n)
	}
	s.runUpdater()

	// During: a server is past prepare while the update runs.
	snap := s.waitFor("a server past prepare", time.Minute, func(sn model.Snapshot) bool {
		for _, w := range sn.Workers {
			if sn.Current != nil && w.ID == sn.Current.ID && w.Step >= 1 && sn.Finished == nil {
				return true
			}
		}
		return false
	})
	up := metricstest.Scrape(t, s.metricsURL)
	id := snap.Current.ID
	wantTarget := []string{fmt.Sprintf("tag=release-%s,update_id=%d,version=%s: 1", v, id, v)}
	if diff := cmp.Diff(wantTarget, up.Samples("neco_target_version_info")); diff != "" {
		t.Errorf("target during the update (-want +got):\n%s", diff)
	}
	conds := up.Samples("neco_server_cond")
	if len(conds) != len(servers) || !slices.ContainsFunc(conds, func(c string) bool { return strings.Contains(c, "cond=running") }) {
		t.Errorf("server_cond during the update = %q, want one per server, some running", conds)
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
