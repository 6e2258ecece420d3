package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// historyChange is a record as `neco config set|unset` writes it in the
// tests: by alice on boot-test, at testNow.
func historyChange(id int64, name string, action model.ConfigAction, secret bool, old, new, etcdUser string) model.ConfigChange {
	return model.ConfigChange{ID: id, Name: name, Action: action, Secret: secret, Old: old, New: new,
		ConfigAuthor: model.ConfigAuthor{By: "alice@boot-test", EtcdUser: etcdUser, At: testNow}}
}

// configHistoryJSON runs `neco config history --json` with args.
func configHistoryJSON(t *testing.T, c *cluster, args ...string) []model.ConfigChange {
	t.Helper()
	out, errOut, code := c.run(append([]string{"config", "history", "--json"}, args...)...)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []model.ConfigChange
	if err := json.Unmarshal([]byte(out), &got); err != nil || got == nil {
		t.Fatalf("%v (a JSON array, never null):\n%s", err, out)
	}
	return got
}

func TestConfigHistory(t *testing.T) {
	const secret = "ghp_history_secret"
	c := newCluster(t)
	if got := configHistoryJSON(t, c); len(got) != 0 {
		t.Errorf("no change yet: %+v", got)
	}
	c.env = localConfig(t, "neco-operator-alice")
	for _, step := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"set", "env", "staging"}},
		{secret + "\n", []string{"set", "github-token"}},
		{"", []string{"set", "proxy", "http://u:pw@proxy.example:3128"}},
		{"", []string{"unset", "env"}},
	} {
		c.stdin = step.stdin
		if _, errOut, code := c.run(append([]string{"config"}, step.args...)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", step.args, code, errOut)
		}
	}
	// Without a client certificate there is no etcd user.
	c.env = localConfig(t, "")
	c.run("config", "unset", "proxy")

	const user = "neco-operator-alice"
	want := []model.ConfigChange{
		historyChange(1, "env", model.ConfigSet, false, "", "staging", user),
		historyChange(2, "github-token", model.ConfigSet, true, "", "", user),
		historyChange(3, "proxy", model.ConfigSet, false, "", "http://u:xxxxx@proxy.example:3128", user),
		historyChange(4, "env", model.ConfigUnset, false, "staging", "", user),
		historyChange(5, "proxy", model.ConfigUnset, false, "http://u:xxxxx@proxy.example:3128", "", ""),
	}
	if diff := cmp.Diff(want, configHistoryJSON(t, c)); diff != "" {
		t.Errorf("--json (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]model.ConfigChange{want[2], want[4]}, configHistoryJSON(t, c, "proxy")); diff != "" {
		t.Errorf("--json proxy (-want +got)\n%s", diff)
	}

	out, errOut, code := c.run("config", "history")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, leak := range []string{secret, ":pw@"} {
		if strings.Contains(out, leak) {
			t.Errorf("output shows %q:\n%s", leak, out)
		}
	}
	wantRows := map[string][]string{
		"ID": {"ID", "TIME (UTC)", "BY", "ETCD USER", "KEY", "ACTION", "CHANGE"},
		"1":  {"1", "2026-11-23 09:00:00", "alice@boot-test", user, "env", "set", "- -> staging"},
		"2":  {"2", "2026-11-23 09:00:00", "alice@boot-test", user, "github-token", "set", "(secret)"},
		"3":  {"3", "2026-11-23 09:00:00", "alice@boot-test", user, "proxy", "set", "- -> http://u:xxxxx@proxy.example:3128"},
		"4":  {"4", "2026-11-23 09:00:00", "alice@boot-test", user, "env", "unset", "staging -> -"},
		"5":  {"5", "2026-11-23 09:00:00", "alice@boot-test", "-", "proxy", "unset", "http://u:xxxxx@proxy.example:3128 -> -"},
	}
	if diff := cmp.Diff(wantRows, tableRows(t, out)); diff != "" {
		t.Errorf("rows (-want +got)\n%s\n%s", diff, out)
	}
	if lines := strings.Split(out, "\n"); !strings.HasPrefix(lines[1], "1 ") {
		t.Errorf("not oldest first:\n%s", out)
	}
}

func TestConfigHistoryInvalidAndEmpty(t *testing.T) {
	c := newCluster(t)
	out, errOut, code := c.run("config", "history", "env")
	if code != 0 || out != "no change of env recorded\n" || errOut != "" {
		t.Errorf("empty: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	seed(c).raw("audit/config/00000000000000000001", "{")
	got := configHistoryJSONWithWarning(t, c)
	want := "neco: ignoring config audit key " + c.store.Prefix() + "audit/config/00000000000000000001: "
	if !strings.HasPrefix(got, want) || strings.Count(got, "\n") != 1 {
		t.Errorf("stderr %q; want one line starting %q", got, want)
	}
}

// configHistoryJSONWithWarning runs `neco config history --json`, checks
// that it printed an empty array and returns its standard error.
func configHistoryJSONWithWarning(t *testing.T, c *cluster) string {
	t.Helper()
	out, errOut, code := c.run("config", "history", "--json")
	if code != 0 || out != "[]\n" {
		t.Errorf("exit %d, stdout %q; want 0, []", code, out)
	}
	return errOut
}
