package metrics

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/metrics/metricstest"
)

// scrape serves h and scrapes it.
func scrape(t *testing.T, h http.Handler) metricstest.Families {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	return metricstest.Scrape(t, srv.URL+"/metrics")
}

func TestUpdaterSeries(t *testing.T) {
	r := NewRegistry("1.2.3")
	u := NewUpdater(r)
	u.ReleaseCheck(nil)
	u.ReleaseCheck(nil)
	u.ReleaseCheck(errors.New("401"))
	u.GitHubResponse(200, 4999)
	u.GitHubResponse(304, -1) // no header: the gauge keeps 4999
	u.GitHubResponse(304, -1)
	u.Current("2026.11.23-1", "release-2026.11.23-1", 7, []ServerCond{{0, "completed"}, {10, "running"}})
	u.Current("2026.11.23-2", "release-2026.11.23-2", 8, []ServerCond{{2, "running"}}) // replaces, not adds
	u.UpdateFinished("completed", 90*time.Second)
	u.Leading(true)
	u.NotificationFailed("slack")

	fams := scrape(t, r.Handler())
	want := map[string][]string{
		"neco_build_info":                  {"version=1.2.3: 1"},
		"neco_release_checks_total":        {"result=error: 1", "result=ok: 2"},
		"neco_github_requests_total":       {"code=200: 1", "code=304: 2"},
		"neco_github_rate_limit_remaining": {": 4999"},
		"neco_target_version_info":         {"tag=release-2026.11.23-2,update_id=8,version=2026.11.23-2: 1"},
		"neco_server_cond":                 {"cond=running,lrn=2: 1"},
		"neco_update_duration_seconds":     {"result=completed: 1"},
		"neco_leader":                      {"role=updater: 1"},
		"neco_notification_failures_total": {"sender=slack: 1"},
	}
	for name, w := range want {
		if diff := cmp.Diff(w, fams.Samples(name)); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
		}
	}
	for _, runtime := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if fams[runtime] == nil {
			t.Errorf("%s missing", runtime)
		}
	}

	u.Current("", "", 0, nil)
	fams = scrape(t, r.Handler())
	if got := fams.Samples("neco_target_version_info"); got != nil {
		t.Errorf("target after clearing = %v, want none", got)
	}
}

func TestWorkerSeries(t *testing.T) {
	r := NewRegistry("1.2.3")
	w := NewWorker(r)
	w.StepFinished("prepare", true, 3*time.Second)
	w.StepFinished("restart", false, time.Second)
	w.StepFinished("restart", true, time.Second)
	w.Leading(false)

	fams := scrape(t, r.Handler())
	want := map[string][]string{
		"neco_step_duration_seconds": {"kind=prepare,result=ok: 1", "kind=restart,result=failed: 1", "kind=restart,result=ok: 1"},
		"neco_leader":                {"role=worker: 0"},
	}
	for name, w := range want {
		if diff := cmp.Diff(w, fams.Samples(name)); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
		}
	}
	if fams["neco_release_checks_total"] != nil {
		t.Error("a worker registry serves updater series")
	}
}

func TestNilRecordsNothing(t *testing.T) {
	var u *Updater
	u.ReleaseCheck(nil)
	u.GitHubResponse(200, 1)
	u.Current("v", "t", 1, nil)
	u.UpdateFinished("completed", time.Second)
	u.Leading(true)
	u.NotificationFailed("slack")
	var w *Worker
	w.StepFinished("once", true, time.Second)
	w.Leading(true)
}
