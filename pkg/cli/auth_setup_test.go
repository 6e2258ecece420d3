package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdconn"
	"github.com/necoship/neco/pkg/etcdmember"
	"github.com/necoship/neco/pkg/etcdtest"
)

// authSite is a single etcd member with client-certificate auth (the
// embedded member and its authority), reached through config files as the
// real command reaches etcd: root's, and one per etcd user.
type authSite struct {
	t       *testing.T
	dataDir string
	url     string
	dir     string
}

func newAuthSite(t *testing.T) *authSite {
	t.Helper()
	l := etcdtest.EmbeddedLocal(t)
	m, err := etcdmember.StartMember(t.Context(), l.DataDir, l.Etcd, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	s := &authSite{t: t, dataDir: l.DataDir, url: l.Etcd.EmbeddedClientURL, dir: t.TempDir()}
	s.write("root", fmt.Sprintf("data-dir: %s\netcd:\n  embedded-client-url: %s\n  embedded-peer-url: %s\n",
		l.DataDir, l.Etcd.EmbeddedClientURL, l.Etcd.EmbeddedPeerURL))
	return s
}

func (s *authSite) write(user, yaml string) {
	s.t.Helper()
	if err := os.WriteFile(filepath.Join(s.dir, user+".yml"), []byte(yaml), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// user writes the config file of an etcd user with its own certificate.
func (s *authSite) user(name string) {
	s.t.Helper()
	cert, key, err := etcdconn.IssueClient(s.dataDir, name, s.dir, time.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	s.write(name, fmt.Sprintf("etcd:\n  endpoints: [%s]\n  tls-ca-file: %s\n  tls-cert-file: %s\n  tls-key-file: %s\n",
		s.url, filepath.Join(etcdconn.PKIDir(s.dataDir), "ca.crt"), cert, key))
}

// as runs neco with the config file of user.
func (s *authSite) as(user string, args ...string) (string, string, int) {
	s.t.Helper()
	var out, errb syncBuffer
	env := SystemEnv()
	env.Stdin, env.Stdout, env.Stderr = strings.NewReader(""), &out, &errb
	env.Getenv = func(string) string { return "" }
	env.Hostname = func() (string, error) { return "boot-test", nil }
	args = append([]string{"--config", filepath.Join(s.dir, user+".yml"), "--timeout", "20s"}, args...)
	code := Execute(context.Background(), env, args)
	return out.String(), errb.String(), code
}

func (s *authSite) mustAs(user string, args ...string) string {
	s.t.Helper()
	out, errOut, code := s.as(user, args...)
	if code != 0 {
		s.t.Fatalf("neco %v as %s: exit %d: %s", args, user, code, errOut)
	}
	return out
}

// TestAuthSetup: the set-up as root, dry first, then for real with
// --enable; a second run changes nothing; afterwards the operator can
// change config, a server's worker cannot, and neither can run the set-up.
func TestAuthSetup(t *testing.T) {
	s := newAuthSite(t)
	s.mustAs("root", "join", "1", "--hostname", "boot-1")
	s.mustAs("root", "join", "2", "--hostname", "boot-2")
	s.legacySecret("slack", "https://hooks.invalid/legacy")

	dry := s.mustAs("root", "auth", "setup", "--operator", "alice", "--dry-run", "--enable")
	for _, want := range []string{"would move secret slack from config/ to secret/ (dry run)\n",
		"would change (dry run)", "user alice: add", "role neco-server-2: add"} {
		if !strings.Contains(dry, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, dry)
		}
	}
	if strings.Contains(dry, "turned on") {
		t.Errorf("dry run enabled auth:\n%s", dry)
	}
	out := s.mustAs("root", "auth", "setup", "--operator", "alice", "--enable")
	for _, want := range []string{"moved secret slack from config/ to secret/\n",
		"changed ", "user neco-worker-1: add (certificate only, no password)",
		"server 2 (boot-2): neco-worker certificate CN neco-worker-2, neco-updater certificate CN neco-updater-2",
		"etcd authentication turned on"} {
		if !strings.Contains(out, want) {
			t.Errorf("setup output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "\n  ") != strings.Count(dry, "\n  ") {
		t.Errorf("the run made other changes than the dry run listed:\ndry:\n%s\nrun:\n%s", dry, out)
	}
	again := s.mustAs("root", "auth", "setup", "--operator", "alice", "--enable")
	if !strings.HasPrefix(again, "etcd users and roles already match\n") || !strings.Contains(again, "etcd authentication is on") {
		t.Errorf("second run:\n%s", again)
	}

	s.user("alice")
	s.user("neco-worker-1")
	s.mustAs("alice", "config", "set", "env", "staging")
	if _, errOut, code := s.as("neco-worker-1", "config", "set", "env", "production"); code == 0 || !strings.Contains(errOut, "permission denied") {
		t.Errorf("a server's worker set config: exit %d: %s", code, errOut)
	}
	if got := s.mustAs("neco-worker-1", "config", "get", "env"); got != "staging\n" {
		t.Errorf("config get as a worker = %q, want staging", got)
	}
	if out, errOut, code := s.as("neco-worker-1", "config", "get", "slack"); code == 0 || !strings.Contains(errOut, "not readable") {
		t.Errorf("config get slack as a worker after the move: exit %d: %q %q", code, out, errOut)
	}
	for _, user := range []string{"alice", "neco-worker-1"} {
		_, errOut, code := s.as(user, "auth", "setup")
		if code == 0 || !strings.Contains(errOut, "run it as etcd's root") {
			t.Errorf("auth setup as %s: exit %d: %s", user, code, errOut)
		}
	}
}

// legacySecret stores a secret where an older neco did, under config/.
func (s *authSite) legacySecret(name, value string) {
	s.t.Helper()
	l, err := config.LoadLocal(filepath.Join(s.dir, "root.yml"))
	if err != nil {
		s.t.Fatal(err)
	}
	c, err := etcdconn.Dial(s.t.Context(), l, etcdconn.DialOptions{})
	if err != nil {
		s.t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Put(s.t.Context(), l.Etcd.Prefix+"config/"+name, value); err != nil {
		s.t.Fatal(err)
	}
}
