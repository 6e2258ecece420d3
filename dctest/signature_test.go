//go:build dctest

package dctest

import (
	"slices"
	"strings"
	"testing"

	"github.com/necoship/neco/dctest/harness"
	"github.com/necoship/neco/dctest/site"
)

// More versions of the test site, after N and N+1.
const (
	versionN2 = "2026.11.23-3"
	versionN3 = "2026.11.23-4"
)

// TestSignedReleases is issue 24's signature row, on one cluster: the
// site runs N; the operator sets signing-keys; a release signed by another
// key, then one with no signature at all, are each refused by every
// worker before the site package is downloaded, and the site stays on N;
// then a release signed with the site's key goes through, which proves
// the refusals were the signatures' and not the key's.
func TestSignedReleases(t *testing.T) {
	siteKey, err := site.NewSigner("site-release")
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := site.NewSigner("someone-else")
	if err != nil {
		t.Fatal(err)
	}
	d := newDC(t, site.Options{})
	all := []int{0, 1, 2}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"N runs, then signing-keys is set", func(t *testing.T) {
			d.publish(site.Release{Version: versionN})
			d.waitEnd(versionN, "completed")
			d.assertRunning(versionN, all...)
			d.setSigningKeys(siteKey)
		}},
		{"a release signed by another key is refused", func(t *testing.T) {
			d.publish(site.Release{Version: versionN1, SignedBy: otherKey})
			st := d.waitEnd(versionN1, "aborted")
			d.assertRefused(st, versionN1, versionN, "bad signature")
		}},
		{"an unsigned release is refused", func(t *testing.T) {
			d.publishAndRecover(site.Release{Version: versionN2})
			st := d.waitEnd(versionN2, "aborted")
			d.assertRefused(st, versionN2, versionN, "not signed: no SHA256SUMS.sig")
		}},
		{"a release signed with the site's key completes", func(t *testing.T) {
			d.publishAndRecover(site.Release{Version: versionN3, SignedBy: siteKey})
			d.waitEnd(versionN3, "completed")
			d.assertRunning(versionN3, all...)
			d.assertHistory(versionN+" completed", versionN1+" aborted", versionN2+" aborted", versionN3+" completed")
		}},
	}
	for _, step := range steps {
		// Each step starts from where the one before left the site.
		if !t.Run(step.name, func(t *testing.T) { d.t = t; step.run(t) }) {
			t.FailNow()
		}
	}
}

// setSigningKeys gives neco signer's public key as the operator does:
// `neco config set signing-keys -` reading the armored key from stdin.
func (d *dc) setSigningKeys(signer *site.Signer) {
	d.t.Helper()
	key, err := signer.PublicKey()
	if err != nil {
		d.t.Fatal(err)
	}
	srv := d.server(0)
	res, err := d.s.NecoInput(d.ctx, srv, site.OperatorConfig, strings.NewReader(key), "config", "set", "signing-keys", "-")
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Logf("operator: neco config set signing-keys - (%s's public key): %s", signer.Name, strings.TrimSpace(res.Stdout))
	if got := d.neco(srv, "config", "get", "signing-keys").Stdout; strings.TrimSpace(got) != strings.TrimSpace(key) {
		d.t.Fatalf("neco config get signing-keys after setting it:\n%s\nwant %s's public key:\n%s", got, signer.Name, key)
	}
}

// publishAndRecover publishes r while the site is stopped by the update
// before it, waits until the updater has seen r, and only then runs `neco
// recover`: recovering earlier would retry the aborted release instead
// (docs/decide.md, row 7).
func (d *dc) publishAndRecover(r site.Release) {
	d.t.Helper()
	d.publish(r)
	st := d.waitFor("the updater to see "+r.Tag(), 3*site.CheckInterval, func(st site.Status) bool {
		return st.LatestRelease != nil && st.LatestRelease.Version == r.Version
	})
	if st.Update == nil || st.Update.State != "aborted" || !st.Update.Stop {
		d.t.Fatalf("before neco recover: %s; want the update before %s aborted, stop set", st.Summary(), r.Version)
	}
	d.neco(d.server(0), "recover")
}

// assertRefused checks what a refused release leaves: the update to
// version ended with a message saying why (the first worker's), a server
// reported the refusal itself and none went past step 0, and none got
// anything of it: the
// package is not in neco-worker's download cache, dpkg never logged it,
// and prev is still what is installed and running.
func (d *dc) assertRefused(st site.Status, version, prev, why string) {
	d.t.Helper()
	d.t.Logf("update %d to %s: %s: %s", st.Update.ID, version, st.Update.State, st.Update.Message)
	if !strings.Contains(st.Update.Message, why) {
		d.t.Errorf("update %d to %s aborted with %q, want it to say %q", st.Update.ID, version, st.Update.Message, why)
	}
	// Every worker checks the signature at the start of step 0, together;
	// one whose check came after the first refusal stopped the update may
	// have been stopped first. What no server may show is a step past 0.
	refused := 0
	for _, s := range st.Servers {
		r := s.Report
		switch {
		case r != nil && r.Version == version && r.Cond == "aborted" && strings.Contains(r.Message, why):
			refused++
		case r != nil && r.Version == version && (r.Step > 0 || r.Cond == "completed"):
			d.t.Errorf("server %d's report %+v: past step 0 of %s, which it must refuse", s.LRN, r, version)
		}
	}
	if refused == 0 {
		d.t.Errorf("no server reported its own refusal of %s (aborted, %q)", version, why)
	}
	for _, srv := range d.c.Servers {
		switch v := d.dpkgLogVersions(srv); {
		case slices.Contains(v, version):
			d.t.Errorf("%s: dpkg logged %s %s: %v", srv.Name, site.PackageName, version, v)
		case !slices.Contains(v, prev):
			d.t.Errorf("%s: /var/log/dpkg.log mentions %s at %v, never at %s: not where dpkg logs", srv.Name, site.PackageName, v, prev)
		}
		d.assertNotDownloaded(srv, version, prev)
	}
	d.assertRunning(prev, 0, 1, 2)
}

// assertNotDownloaded checks that neco-worker's download cache in the
// server holds no file of version, and holds prev's package, which proves
// it is where the worker downloads.
func (d *dc) assertNotDownloaded(srv *harness.Server, version, prev string) {
	d.t.Helper()
	const cache = "/var/lib/neco/cache" // the worker's data-dir/cache (pkg/worker)
	files := strings.Fields(d.exec(srv, "find", cache, "-type", "f").Stdout)
	if !slices.ContainsFunc(files, func(p string) bool { return strings.Contains(p, prev) }) {
		d.t.Errorf("%s: %s holds %v, nothing of %s: not where neco-worker downloads", srv.Name, cache, files, prev)
	}
	d.t.Logf("%s: files in %s: %v", srv.Name, cache, files)
	for _, p := range files {
		if strings.Contains(p, version) {
			d.t.Errorf("%s: neco-worker downloaded %s", srv.Name, p)
		}
	}
}

// assertHistory checks `neco history`, oldest first, as "VERSION RESULT"
// per update.
func (d *dc) assertHistory(want ...string) {
	d.t.Helper()
	h, err := d.s.History(d.ctx, d.server(0))
	if err != nil {
		d.t.Fatal(err)
	}
	var got []string
	for _, e := range slices.Backward(h) {
		got = append(got, e.Version+" "+e.Result)
	}
	if !slices.Equal(got, want) {
		d.t.Errorf("history, oldest first: %v, want %v", got, want)
	}
}
