package worker

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// sitePlan is a plan with a rolling unit, a stop-all unit, an anytime unit
// and a once-step that appends the version to onceLog.
func sitePlan(version string, maxUnavailable int, onceLog, images string) string {
	return fmt.Sprintf(`version: %s
%s
services:
  - {unit: etcd.service, strategy: rolling, max-unavailable: %d, health: {http: "http://127.0.0.1:2379/health", timeout: 10s}}
  - {unit: cke.service, strategy: stop-all}
  - {unit: sabakan.service, strategy: anytime}
once:
  - {name: upload-contents, exec: [/bin/sh, -c, "echo {{.Version}} >> %s"], irreversible: true}
`, version, images, maxUnavailable, onceLog)
}

func TestRollout(t *testing.T) {
	for _, tt := range []struct {
		servers        []int
		maxUnavailable int
	}{
		{servers: []int{0, 1, 2}, maxUnavailable: 1},
		{servers: []int{0, 2, 10, 11}, maxUnavailable: 2}, // LRN order is numeric: 10 after 2
	} {
		t.Run(fmt.Sprintf("%d servers, max-unavailable %d", len(tt.servers), tt.maxUnavailable), func(t *testing.T) {
			s := newSite(t)
			onceLog := filepath.Join(t.TempDir(), "once.log")
			const v = "2026.11.23-1"
			s.publish(release{version: v, plan: sitePlan(v, tt.maxUnavailable, onceLog, "")})
			s.join(tt.servers...)
			var nodes []*node
			for _, l := range tt.servers {
				n := s.newNode(l)
				nodes = append(nodes, n)
				s.run(n)
			}
			s.runUpdater()
			snap := s.waitEnd(model.ResultCompleted, time.Minute)
			for _, n := range nodes {
				if got, ok := installedVersion(t, n.root); !ok || got != v {
					t.Errorf("server %d: %s installed %t at %q, want %s", n.lrn, sitePackage, ok, got, v)
				}
				if w := snap.Workers[n.lrn]; w.Cond != model.CondCompleted {
					t.Errorf("server %d reported %+v", n.lrn, w)
				}
			}
			checkRolling(t, s.events.of("restart", "etcd.service"), tt.servers, tt.maxUnavailable)
			checkStopAll(t, s.events.of("stop", "cke.service"), s.events.of("start", "cke.service"), len(tt.servers))
			if got := s.events.of("restart", "sabakan.service"); len(got) != len(tt.servers) {
				t.Errorf("anytime unit restarted %d times, want once per server", len(got))
			}
			data, err := os.ReadFile(onceLog)
			if err != nil || string(data) != v+"\n" {
				t.Errorf("once-step log = %q (%v), want it run exactly once: %q", data, err, v+"\n")
			}
			if c := snap.Contents["upload-contents"]; !c.Success || c.Version.String() != v {
				t.Errorf("contents/upload-contents = %+v", c)
			}
		})
	}
}

// checkRolling asserts from the recorded times that the turns went in
// LRN order (the server at index k of the sorted servers began only after
// every server below index k-max+1 had finished: strict order for max 1)
// and that no more than max (max-unavailable) restarts ran at any moment.
func checkRolling(t *testing.T, restarts []unitEvent, lrns []int, maxUnavailable int) {
	t.Helper()
	by := map[int]unitEvent{}
	for _, r := range restarts {
		by[r.LRN] = r
	}
	if len(by) != len(lrns) || len(restarts) != len(lrns) {
		t.Fatalf("%d rolling restarts on %d servers, want one on each of %v", len(restarts), len(by), lrns)
	}
	for k, lrn := range lrns {
		for _, before := range lrns[:max(k-maxUnavailable+1, 0)] {
			if by[before].End.After(by[lrn].Start) {
				t.Errorf("server %d began its restart before server %d (earlier in LRN order) finished", lrn, before)
			}
		}
	}
	for _, r := range restarts {
		running := 0
		for _, o := range restarts {
			if !o.Start.After(r.Start) && o.End.After(r.Start) {
				running++
			}
		}
		if running > maxUnavailable {
			t.Errorf("%d rolling restarts ran at once when server %d began; max-unavailable is %d", running, r.LRN, maxUnavailable)
		}
	}
}

// checkStopAll asserts that every stop ended before any start began: two
// versions never ran at once.
func checkStopAll(t *testing.T, stops, starts []unitEvent, n int) {
	t.Helper()
	if len(stops) != n || len(starts) != n {
		t.Fatalf("stop-all: %d stops and %d starts, want %d each", len(stops), len(starts), n)
	}
	for _, st := range stops {
		if st.End.After(starts[0].Start) {
			t.Errorf("server %d was still stopping when server %d started", st.LRN, starts[0].LRN)
		}
	}
}
