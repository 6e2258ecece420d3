//go:build dctest

package dctest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/dctest/harness"
	"github.com/necoship/neco/dctest/site"
	"github.com/necoship/neco/pkg/storage"
)

// autoBy is who neco records as the author of an automatic rollback and
// of the hold it puts on the failed version (pkg/decide).
const autoBy = "neco-updater"

// autoPhrase starts the message of an automatic rollback's notifications
// and the reason of its hold.
const autoPhrase = "rolled back automatically: "

// TestAutomaticRollback is issue 21's "done when": on the three-server
// site with canary 1 and on-failure rollback, a release whose rolling
// unit fails its health check on boot-0 (the canary) is rolled back
// there automatically; boot-1 and boot-2 never install it; the Slack and
// webhook endpoints hear of the automatic rollback.
func TestAutomaticRollback(t *testing.T) {
	rcv, err := site.NewReceiver()
	if err != nil {
		t.Fatal(err)
	}
	d := newDC(t, site.Options{Env: "production", TrustCA: rcv.CA})
	if err := rcv.Start(d.c.Network); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // before the cluster's, which removes the receiver's namespace
		if err := rcv.Close(); err != nil {
			t.Errorf("receiver: %v", err)
		}
	})
	all := []int{0, 1, 2}
	d.publish(site.Release{Version: versionN})
	d.waitEnd(versionN, "completed")
	d.assertRunning(versionN, all...)

	boot0 := d.server(0)
	d.neco(boot0, "config", "set", "canary", "1")
	d.neco(boot0, "config", "set", "on-failure", "rollback")
	d.setSecret(boot0, "webhook", rcv.URL("/webhook/dctest"))
	d.setSecret(boot0, "slack", rcv.URL("/slack/T0/B0/dctest"))

	d.publish(site.Release{Version: versionN1, UnhealthyOn: boot0.Name})
	st, canaries := d.waitAutoRollback()
	if !slices.Equal(canaries, []int{0}) {
		t.Errorf("the update to %s ran with canaries %v, want [0] (canary 1)", versionN1, canaries)
	}
	if st.Update.State != "completed" || !slices.Equal(st.Update.Servers, []int{0}) {
		t.Fatalf("the automatic rollback ended %s on servers %v, want completed on [0] (the canary, the only server the failed update changed): %s",
			st.Update.State, st.Update.Servers, st.Summary())
	}
	d.assertRunning(versionN, all...)
	if len(st.Policy.Holds) != 1 || st.Policy.Holds[0].Version != versionN1 || st.Policy.Holds[0].By != autoBy ||
		!strings.HasPrefix(st.Policy.Holds[0].Reason, autoPhrase) {
		t.Errorf("holds %+v, want %s alone, held by %s: %q...", st.Policy.Holds, versionN1, autoBy, autoPhrase)
	}
	d.assertAutoRollbackHistory()
	d.assertNeverInstalled(d.server(1), versionN1)
	d.assertNeverInstalled(d.server(2), versionN1)
	if !slices.Contains(d.dpkgLogVersions(boot0), versionN1) {
		t.Errorf("%s: /var/log/dpkg.log never mentions %s %s: the canary did not install it, or the log is not where dpkg writes",
			boot0.Name, site.PackageName, versionN1)
	}
	d.assertRollbackNotified(rcv)
}

// setSecret sets the secret cluster key to value as the operator, from
// standard input as neco asks (never an argument, which ps would show).
func (d *dc) setSecret(srv *harness.Server, key, value string) {
	d.t.Helper()
	res, err := d.s.NecoInput(d.ctx, srv, site.OperatorConfig, strings.NewReader(value+"\n"), "config", "set", key)
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Logf("operator: neco config set %s: %s", key, strings.TrimSpace(res.Stdout))
}

// waitAutoRollback waits for the update after the failed N+1: the
// rollback to N, to end, and returns the canaries N+1's update ran with
// (status shows them while it runs: it takes three tries of a failing
// step, well over the second between two reads). It stops early, failing,
// when N+1 completes or the updater decides to stay stopped (no automatic
// rollback, and why).
func (d *dc) waitAutoRollback() (site.Status, []int) {
	d.t.Helper()
	rolledBack := func(st site.Status) bool { return st.Update.Reason == "rollback" && st.Ended(versionN) }
	var canaries []int
	// Two updates: the failed one and the rollback after it.
	st := d.waitFor("the automatic rollback to "+versionN+" to end", 2*updateTimeout, func(st site.Status) bool {
		if st.Update == nil {
			return false
		}
		if st.Update.Version == versionN1 {
			canaries = st.Update.Canaries
		}
		stayed := st.Ended(versionN1) && (st.Update.State == "completed" || st.Next != nil && st.Next.Action == "stopped")
		return stayed || rolledBack(st)
	})
	if !rolledBack(st) {
		d.t.Fatalf("no automatic rollback after the update to %s: %s", versionN1, st.Summary())
	}
	return st, canaries
}

// assertAutoRollbackHistory checks neco history: N completed, N+1
// aborted by boot-0's failing health check, then the rollback to N that
// neco-updater started on its own, saying so.
func (d *dc) assertAutoRollbackHistory() {
	d.t.Helper()
	h, err := d.s.History(d.ctx, d.server(0))
	if err != nil {
		d.t.Fatal(err)
	}
	if len(h) != 3 {
		d.t.Fatalf("history has %d updates, want 3 (%s, %s, the rollback): %+v", len(h), versionN, versionN1, h)
	}
	back, failed := h[0], h[1]
	// The step's failing command is its health check, not the restart.
	if failed.Version != versionN1 || failed.Result != "aborted" ||
		!strings.HasPrefix(failed.Message, "worker 0: check "+site.RollingUnit+" health") {
		d.t.Errorf("update %d: %s %s (%q), want %s aborted by worker 0's health check of %s",
			failed.ID, failed.Version, failed.Result, failed.Message, versionN1, site.RollingUnit)
	}
	if back.Version != versionN || back.Reason != "rollback" || back.Result != "completed" {
		d.t.Errorf("update %d: %s reason %s %s, want the rollback to %s completed", back.ID, back.Version, back.Reason, back.Result, versionN)
	}
	auto := slices.IndexFunc(back.Acts, func(a site.Act) bool {
		return a.Act == "rollback" && a.By == autoBy && strings.Contains(a.Detail, "automatic (on-failure rollback)")
	})
	if auto < 0 {
		d.t.Errorf("update %d's acts %+v: none says %s rolled back automatically", back.ID, back.Acts, autoBy)
	} else {
		d.t.Logf("update %d: %s by %s: %s", back.ID, back.Acts[auto].Act, autoBy, back.Acts[auto].Detail)
	}
}

// assertNeverInstalled checks that version of the site never reached
// srv: its worker's last report is of N, dpkg never logged version, and
// neco-worker's download cache holds nothing of it. The log and the cache
// must hold N's traces, which proves they are looked for where dpkg and
// the worker leave them.
func (d *dc) assertNeverInstalled(srv *harness.Server, version string) {
	d.t.Helper()
	// neco status shows reports for the current update only (the
	// rollback, which srv is not in): read the worker's record itself,
	// as the operator.
	key := storage.New(nil, "").WorkerStatusKey(srv.LRN)
	res, err := d.c.Etcd.EtcdctlAs(d.ctx, srv, site.Operator, "get", "--print-value-only", key)
	var rep struct {
		ID      int64  `json:"id"`
		Version string `json:"version"`
	}
	if err == nil {
		err = json.Unmarshal([]byte(res.Stdout), &rep)
	}
	if err != nil || rep.Version != versionN {
		d.t.Errorf("%s: last worker report at %s: update %d to %q (%v), want its report of %s", srv.Name, key, rep.ID, rep.Version, err, versionN)
	}
	switch v := d.dpkgLogVersions(srv); {
	case slices.Contains(v, version):
		d.t.Errorf("%s: dpkg logged %s %s: %v", srv.Name, site.PackageName, version, v)
	case !slices.Contains(v, versionN):
		d.t.Errorf("%s: /var/log/dpkg.log mentions %s at %v, never at %s: not where dpkg logs", srv.Name, site.PackageName, v, versionN)
	}
	const cache = "/var/lib/neco/cache" // the worker's data-dir/cache (pkg/worker)
	res = d.exec(srv, "find", cache, "-mindepth", "1")
	paths := strings.Fields(res.Stdout)
	if !slices.ContainsFunc(paths, func(p string) bool { return strings.Contains(p, versionN) }) {
		d.t.Errorf("%s: %s holds %v, nothing of %s: not where neco-worker downloads", srv.Name, cache, paths, versionN)
	}
	for _, p := range paths {
		if strings.Contains(p, version) {
			d.t.Errorf("%s: neco-worker downloaded %s", srv.Name, p)
		}
	}
}

// dpkgLogVersions are the versions of the site package that dpkg's log in
// srv mentions: "... status installed dct-site:all 2026.11.23-1" and
// "... install dct-site:all OLD NEW".
func (d *dc) dpkgLogVersions(srv *harness.Server) []string {
	d.t.Helper()
	var versions []string
	for _, line := range strings.Split(d.exec(srv, "cat", "/var/log/dpkg.log").Stdout, "\n") {
		f := strings.Fields(line)
		i := slices.IndexFunc(f, func(s string) bool { return s == site.PackageName || strings.HasPrefix(s, site.PackageName+":") })
		if i < 0 {
			continue
		}
		for _, v := range f[i+1:] {
			if v != "<none>" && !slices.Contains(versions, v) {
				versions = append(versions, v)
			}
		}
	}
	return versions
}

// webhookEvent is what the test reads of the webhook's JSON (pkg/notify).
type webhookEvent struct {
	Kind    string `json:"kind"`
	Version string `json:"version"`
	Reason  string `json:"reason"`
	Servers []int  `json:"servers"`
	Message string `json:"message"`
}

// assertRollbackNotified waits for the webhook's and Slack's notices of
// the automatic rollback's start: delivery is asynchronous, and may
// follow the rollback's end.
func (d *dc) assertRollbackNotified(rcv *site.Receiver) {
	d.t.Helper()
	webhook := func(p site.Post) bool {
		var e webhookEvent
		return strings.HasPrefix(p.Path, "/webhook/") && json.Unmarshal([]byte(p.Body), &e) == nil &&
			e.Kind == "started" && e.Reason == "rollback" && e.Version == versionN &&
			strings.HasPrefix(e.Message, autoPhrase) && strings.Contains(e.Message, versionN1)
	}
	slack := func(p site.Post) bool {
		var m struct {
			Text string `json:"text"`
		}
		return strings.HasPrefix(p.Path, "/slack/") && json.Unmarshal([]byte(p.Body), &m) == nil &&
			strings.Contains(m.Text, autoPhrase)
	}
	posts, err := rcv.WaitFor(d.ctx, time.Minute, "the automatic rollback's webhook and Slack notices", func(posts []site.Post) bool {
		return slices.ContainsFunc(posts, webhook) && slices.ContainsFunc(posts, slack)
	})
	if err != nil {
		d.t.Fatalf("%v\n(delivery errors are in neco-updater's journal)", err)
	}
	i := slices.IndexFunc(posts, webhook)
	d.t.Logf("receiver: %d posts; the webhook's notice of the rollback: %s", len(posts), posts[i].Body)
}
