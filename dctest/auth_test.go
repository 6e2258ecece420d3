//go:build dctest

package dctest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/dctest/harness"
	"github.com/necoship/neco/dctest/site"
	"github.com/necoship/neco/pkg/storage"
)

// TestPermissions: site.Install turned etcd authentication on (`neco auth
// setup --enable` as root), so each certificate has only its role's
// rights. With a GitHub token set, boot-1's daemons and the operator try
// what their roles do not grant and etcd itself refuses (permission
// denied); what they need still works, and so does a whole rollout.
func TestPermissions(t *testing.T) {
	d := newDC(t, site.Options{})
	keys := storage.New(nil, "") // the key layout only: the default prefix, as config.yml has it
	boot1 := d.server(1)
	worker, updater, operator := harness.WorkerUser(1), harness.UpdaterUser(1), site.Operator
	const token = "ghp_dctestDCTEST0123456789abcdefghijklmn" // ghp_ and 36 characters

	// The operator sets the secret, from stdin as an SRE would. neco sends
	// a token over plain http only to this machine (model.CheckTokenURL),
	// and the site's mirror is another one: while the token is set,
	// github-api-url is a loopback URL nothing listens on (the updaters'
	// release checks fail meanwhile). The operator unsets the token and
	// points github-api-url at the mirror again before the rollout.
	d.neco(boot1, "config", "set", "github-api-url", "http://127.0.0.1:9/")
	res, err := d.s.NecoInput(d.ctx, boot1, site.OperatorConfig, strings.NewReader(token+"\n"), "config", "set", "github-token")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("operator: neco config set github-token: %s", strings.TrimSpace(res.Stdout))

	// Each certificate works for what its role grants, so the refusals
	// below are the roles' and not a broken certificate's.
	t.Run("what each role grants", func(t *testing.T) {
		d.t = t
		d.etcdGet(boot1, worker, keys.ConfigKey("env"), "staging")
		d.etcdGet(boot1, updater, keys.SecretKey("github-token"), token)
		d.etcdGet(boot1, operator, keys.ConfigKey("env"), "staging")
		d.etcdGet(boot1, harness.RootUser, keys.SecretKey("github-token"), token)
		// The operator changes config; the workers read the change.
		res, err := d.s.Neco(d.ctx, boot1, "config", "set", "env", "production")
		if err != nil {
			t.Fatalf("operator: neco config set env production: %v", err)
		}
		t.Logf("operator: neco config set env production: %s", strings.TrimSpace(res.Stdout))
		d.etcdGet(d.server(2), harness.WorkerUser(2), keys.ConfigKey("env"), "production")
	})

	t.Run("boot-1's worker", func(t *testing.T) {
		d.t = t
		d.etcdDenied(boot1, worker, "put", keys.WorkerStatusKey(2), "{}")
		d.etcdDenied(boot1, worker, "put", keys.StatusCurrentKey(), "{}")
		d.etcdDenied(boot1, worker, "put", keys.ConfigKey("env"), "staging")
		d.etcdDenied(boot1, worker, "get", keys.SecretKey("github-token"))
		// The same through the CLI with the daemons' config.yml.
		res, err := d.s.NecoAs(d.ctx, boot1, site.LocalConfig, "config", "set", "env", "staging")
		if err == nil || !strings.Contains(res.Stderr, "permission denied") {
			t.Errorf("neco config set env staging with %s's certificate: %v, stderr %q; want etcd's permission denied", worker, err, res.Stderr)
		} else {
			t.Logf("%s: neco config set env staging as %s: %s", boot1.Name, worker, strings.TrimSpace(res.Stderr))
		}
	})

	t.Run("boot-1's updater", func(t *testing.T) {
		d.t = t
		d.etcdDenied(boot1, updater, "put", keys.WorkerStatusKey(2), "{}")
		d.etcdDenied(boot1, updater, "put", keys.ConfigKey("env"), "staging")
	})

	t.Run("the operator", func(t *testing.T) {
		d.t = t
		d.etcdDenied(boot1, operator, "get", keys.SecretKey("github-token"))
		res, _ := d.s.Neco(d.ctx, boot1, "config", "get", "--show", "github-token")
		if strings.Contains(res.Stdout+res.Stderr, token) {
			t.Errorf("operator: neco config get --show github-token shows the token: %q %q", res.Stdout, res.Stderr)
		}
		t.Logf("%s: neco config get --show github-token as %s: %s", boot1.Name, operator, strings.TrimSpace(res.Stdout+res.Stderr))
		// Write-only: the operator can unset the secret it cannot read.
		res = d.neco(boot1, "config", "unset", "github-token")
		t.Logf("operator: neco config unset github-token: %s", strings.TrimSpace(res.Stdout))
		d.etcdGet(boot1, harness.RootUser, keys.SecretKey("github-token"), "")
	})

	// The mirror again, for the rollout.
	d.t = t
	d.neco(boot1, "config", "set", "github-api-url", "http://"+d.s.MirrorAddr+"/")

	t.Run("a rollout completes under auth", func(t *testing.T) {
		d.t = t
		since := time.Now()
		d.publish(site.Release{Version: versionN})
		d.waitEnd(versionN, "completed")
		d.assertRunning(versionN, 0, 1, 2)
		d.assertNoRefusedWrites(since)
	})
}

// assertNoRefusedWrites checks that etcd refused no write of a daemon
// since then: every member logs each request it could not apply, with
// its user and key ("failed to apply request ... auth: permission
// denied"), so boot-0's member has them all. And no neco-updater was
// refused a read (its role reads everything). A worker's refused reads
// are not checked: it asks for github-token (every ten minutes once
// refused) and takes a refusal as unset (a site without auth gives it one).
func (d *dc) assertNoRefusedWrites(since time.Time) {
	d.t.Helper()
	for _, line := range d.journalSince(d.server(0), harness.EtcdUnit, since) {
		if strings.Contains(line, "permission denied") {
			d.t.Errorf("etcd refused a daemon's request: %s", line)
		}
	}
	updaterLines := 0
	for _, srv := range d.c.Servers {
		lines := d.journalSince(srv, site.UpdaterUnit, since)
		updaterLines += len(lines)
		for _, line := range lines {
			if strings.Contains(line, "PermissionDenied") || strings.Contains(line, "permission denied") {
				d.t.Errorf("%s: neco-updater was refused: %s", srv.Name, line)
			}
		}
	}
	if updaterLines == 0 { // the leader logs every release check at debug
		d.t.Errorf("no neco-updater log since %v: the journals were not read", since)
	}
}

// journalSince is unit's log in srv from since on (to the microsecond:
// journalctl --since takes whole seconds), one message a line.
func (d *dc) journalSince(srv *harness.Server, unit string, since time.Time) []string {
	d.t.Helper()
	var out []string
	for _, e := range d.journalEntriesSince(srv, unit, since) {
		out = append(out, e.msg)
	}
	return out
}

// journalEntry is one message of a unit's log and when it was written.
type journalEntry struct {
	msg string
	at  time.Time
}

// journalEntriesSince is journalSince with each message's time.
func (d *dc) journalEntriesSince(srv *harness.Server, unit string, since time.Time) []journalEntry {
	d.t.Helper()
	res := d.exec(srv, "journalctl", "--no-pager", "-o", "json", "--output-fields=MESSAGE",
		"--since", fmt.Sprintf("@%d", since.Unix()), "-u", unit)
	var out []journalEntry
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		var e struct {
			Message  any    `json:"MESSAGE"` // a string, or bytes as numbers
			Realtime string `json:"__REALTIME_TIMESTAMP"`
		}
		if line == "" || json.Unmarshal([]byte(line), &e) != nil {
			continue
		}
		us, err := strconv.ParseInt(e.Realtime, 10, 64)
		if err != nil || us < since.UnixMicro() {
			continue
		}
		out = append(out, journalEntry{msg: fmt.Sprint(e.Message), at: time.UnixMicro(us)})
	}
	return out
}

// etcdGet checks that user reads want at key with etcdctl in srv.
func (d *dc) etcdGet(srv *harness.Server, user, key, want string) {
	d.t.Helper()
	res, err := d.c.Etcd.EtcdctlAs(d.ctx, srv, user, "get", "--print-value-only", key)
	if got := strings.TrimSpace(res.Stdout); err != nil || got != want {
		d.t.Errorf("%s: %s reads %s: %q (%v), want %q", srv.Name, user, key, got, err, want)
	}
}

// etcdDenied checks that etcd refuses etcdctl ARGS by user in srv with
// permission denied.
func (d *dc) etcdDenied(srv *harness.Server, user string, args ...string) {
	d.t.Helper()
	res, err := d.c.Etcd.EtcdctlAs(d.ctx, srv, user, args...)
	switch {
	case err == nil:
		d.t.Errorf("%s: etcdctl %s as %s worked (%q), want permission denied", srv.Name, strings.Join(args, " "), user, strings.TrimSpace(res.Stdout))
	case !strings.Contains(res.Stderr, "etcdserver: permission denied"):
		d.t.Errorf("%s: etcdctl %s as %s: %v; want etcdserver: permission denied", srv.Name, strings.Join(args, " "), user, err)
	default:
		lines := strings.Split(strings.TrimSpace(res.Stderr), "\n")
		d.t.Logf("%s: etcdctl %s as %s: %s", srv.Name, strings.Join(args, " "), user, lines[len(lines)-1])
	}
}
