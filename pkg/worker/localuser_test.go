package worker

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/cli"
	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdconn"
	"github.com/necoship/neco/pkg/etcdmember"
	"github.com/necoship/neco/pkg/etcdtest"
	"github.com/necoship/neco/pkg/model"
)

// probeEnv makes the test binary a local user's probe instead of running
// tests (TestMain): its value is the probe's input file.
const probeEnv = "NECO_TEST_LOCAL_USER_PROBE"

// nobody is the uid and gid the probe runs as.
const nobody = 65534

// probeInput is what the parent tells the probe.
type probeInput struct {
	Config string   // the site's local config file
	Keys   []string // every key etcd holds, as root read them
}

// attempt is how one way in fared: etcd's error, and how many keys it
// answered with values.
type attempt struct {
	Err      string
	KeysRead int
}

// probeResult is what the probe could do, as uid 65534.
type probeResult struct {
	StatusCode   int    // `neco status` exit code
	StatusStderr string // and what it said
	// Attempts to read and write every key, without a client
	// certificate and over plain HTTP.
	Attempts map[string]attempt
	// Readable are the credential files the probe could read.
	Readable []string
	// Denied counts the credential files refused with EACCES.
	Denied int
}

// TestEmbeddedSiteClosedToLocalUsers runs a single-server site on the
// embedded etcd as neco-updater starts it, with its secrets set. As root,
// the updater and a worker complete an update; as uid 65534, `neco
// status` says it needs root, and neither a TLS client without a
// certificate nor plain HTTP can read or write any key etcd holds.
func TestEmbeddedSiteClosedToLocalUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run the probe as uid 65534")
	}
	dir := worldReadableDir(t)
	local := config.DefaultLocal()
	local.DataDir = filepath.Join(dir, "data") // like /var/lib/neco: 0755
	if err := os.Mkdir(local.DataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	local.Etcd.EmbeddedClientURL, local.Etcd.EmbeddedPeerURL = "https://"+etcdtest.FreeAddr(t), "https://"+etcdtest.FreeAddr(t)
	m, err := etcdmember.StartMember(t.Context(), local.DataDir, local.Etcd, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	dial := func() *clientv3.Client {
		c, err := etcdconn.Dial(context.Background(), local, etcdconn.DialOptions{})
		if err != nil {
			t.Fatalf("as root: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	s := newSiteOn(t, dial, local.Etcd.Prefix)
	secrets := map[string]string{
		"github-token":          "ghp_" + strings.Repeat("s", 36),
		"slack":                 "https://hooks.slack.com/services/T0/B0/secretslack",
		"webhook":               "https://example.invalid/hook?key=secretwebhook",
		"github-webhook-secret": "secret-webhook-hmac",
	}
	for k, v := range secrets {
		if err := s.st.PutConfig(t.Context(), k, v, model.ConfigAuthor{By: "test", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	const v = "2026.11.23-1"
	s.publish(release{version: v})
	s.join(0)
	s.run(s.newNode(0))
	s.runUpdater()
	s.waitEnd(model.ResultCompleted, time.Minute)

	root := dial()
	keys := allKeys(t, root)
	res := runProbe(t, dir, local, keys)

	if res.StatusCode == 0 || !strings.Contains(res.StatusStderr, "permission denied") || !strings.Contains(res.StatusStderr, "run this as root") {
		t.Errorf("neco status as uid %d: exit %d, %q; want a failure that says it needs root", nobody, res.StatusCode, res.StatusStderr)
	}
	for _, how := range []string{"without a client certificate", "plain http"} {
		if a, ok := res.Attempts[how]; !ok || a.Err == "" || a.KeysRead != 0 {
			t.Errorf("reading and writing every key %s: %+v, want refused", how, a)
		}
	}
	if len(res.Readable) != 0 || res.Denied == 0 {
		t.Errorf("credential files: %d denied, readable %q; want every one refused", res.Denied, res.Readable)
	}
	out, _ := json.Marshal(res)
	for k, secret := range secrets {
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("the probe saw the %s", k)
		}
	}
	// Root's view: nothing was written, and the site still answers.
	for _, kv := range allKVs(t, root) {
		if string(kv.Value) == probeValue {
			t.Errorf("the probe wrote %s", kv.Key)
		}
	}
	if len(keys) < len(secrets) {
		t.Fatalf("only %d keys in etcd: %q", len(keys), keys)
	}
}

// probeValue is what the probe tries to write.
const probeValue = "written-by-uid-65534"

// worldReadableDir is a directory others may enter, as /etc/neco and
// /var/lib/neco are: t.TempDir's parents are private to root.
func worldReadableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "neco-localuser-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func allKVs(t *testing.T, c *clientv3.Client) []*mvccpb.KeyValue {
	t.Helper()
	resp, err := c.Get(t.Context(), "\x00", clientv3.WithFromKey())
	if err != nil {
		t.Fatal(err)
	}
	return resp.Kvs
}

func allKeys(t *testing.T, c *clientv3.Client) []string {
	var keys []string
	for _, kv := range allKVs(t, c) {
		keys = append(keys, string(kv.Key))
	}
	return keys
}

// runProbe copies the test binary where uid 65534 can run it, with the
// site's config, and runs it as that user.
func runProbe(t *testing.T, dir string, local config.Local, keys []string) probeResult {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "probe.test")
	copyFile(t, self, bin, 0o755)
	cfg := filepath.Join(dir, "config.yml")
	writeJSONFile(t, cfg, map[string]any{ // JSON is YAML
		"data-dir": local.DataDir,
		"etcd":     map[string]string{"embedded-client-url": local.Etcd.EmbeddedClientURL, "embedded-peer-url": local.Etcd.EmbeddedPeerURL},
	})
	in := filepath.Join(dir, "probe.json")
	writeJSONFile(t, in, probeInput{Config: cfg, Keys: keys})

	cmd := exec.CommandContext(t.Context(), bin)
	cmd.Env = []string{probeEnv + "=" + in, "PATH=/usr/bin:/bin", "HOME=/nonexistent"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}}}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("probe as uid %d: %v\n%s", nobody, err, stderr.String())
	}
	var res probeResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("probe output %q: %v\n%s", stdout.String(), err, stderr.String())
	}
	return res
}

// localUserProbe is the probe's side: it runs as uid 65534 and tries.
func localUserProbe(inputPath string) int {
	var in probeInput
	data, err := os.ReadFile(inputPath)
	if err == nil {
		err = json.Unmarshal(data, &in)
	}
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 2
	}
	local, err := config.LoadLocal(in.Config)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 2
	}
	ctx := context.Background()
	var res probeResult
	var stderr bytes.Buffer
	env := cli.SystemEnv()
	env.Stdout, env.Stderr = io.Discard, &stderr
	res.StatusCode = cli.Execute(ctx, env, []string{"--config", in.Config, "--timeout", "10s", "status"})
	res.StatusStderr = stderr.String()

	endpoint := strings.TrimPrefix(local.Etcd.EmbeddedClientURL, "https://")
	res.Attempts = map[string]attempt{
		"without a client certificate": tryEveryKey(ctx, "https://"+endpoint, &tls.Config{InsecureSkipVerify: true}, in.Keys), //nolint:gosec // an attacker's client
		"plain http":                   tryEveryKey(ctx, "http://"+endpoint, nil, in.Keys),
	}
	files, _ := filepath.Glob(filepath.Join(etcdconn.PKIDir(local.DataDir), "*"))
	if len(files) == 0 { // the directory cannot even be listed: name its files
		for _, name := range []string{"ca.crt", "ca.key", "member.crt", "member.key", "root.crt", "root.key"} {
			files = append(files, filepath.Join(etcdconn.PKIDir(local.DataDir), name))
		}
	}
	for _, f := range files {
		switch _, err := os.ReadFile(f); {
		case err == nil:
			res.Readable = append(res.Readable, f)
		case errors.Is(err, fs.ErrPermission):
			res.Denied++
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 2
	}
	return 0
}

// tryEveryKey reads and writes every key, and the whole key space, in
// transactions of at most etcd's 128 operations, until etcd refuses one.
func tryEveryKey(ctx context.Context, endpoint string, tlsCfg *tls.Config, keys []string) attempt {
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, TLS: tlsCfg, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return attempt{Err: err.Error()}
	}
	defer c.Close()
	ops := []clientv3.Op{clientv3.OpGet("\x00", clientv3.WithFromKey())}
	for _, k := range keys {
		ops = append(ops, clientv3.OpGet(k), clientv3.OpPut(k, probeValue))
	}
	var a attempt
	for len(ops) > 0 {
		n := min(len(ops), 127)
		tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		resp, err := c.Txn(tctx).Then(ops[:n]...).Commit()
		cancel()
		if err != nil {
			a.Err = err.Error()
			return a
		}
		for _, r := range resp.Responses {
			if rr := r.GetResponseRange(); rr != nil {
				a.KeysRead += len(rr.Kvs)
			}
		}
		ops = ops[n:]
	}
	return a
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, mode); err != nil {
		t.Fatal(err)
	}
}

func writeJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
