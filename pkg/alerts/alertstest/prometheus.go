// Package alertstest runs a real Prometheus for tests: Debian's
// /usr/bin/prometheus on a free loopback port, scraping one gauge the test
// sets (test_gate_value) every second and evaluating the test's alert
// rules every second. Only _test.go files import it.
package alertstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/necoship/neco/pkg/etcdtest"
)

// Bin is where Debian's prometheus package installs the server.
const Bin = "/usr/bin/prometheus"

const config = `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: gate
    static_configs:
      - targets: [%q]
`

// Prometheus is a running server and the gauge it scrapes.
type Prometheus struct {
	// URL is the API root, e.g. http://127.0.0.1:40123/.
	URL   string
	value atomic.Int64
	stop  func()
}

// Set sets the gauge test_gate_value that the rules may alert on.
func (p *Prometheus) Set(v int64) { p.value.Store(v) }

// Stop kills the server (also done at cleanup): it is then unreachable.
func (p *Prometheus) Stop() { p.stop() }

func (p *Prometheus) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# TYPE test_gate_value gauge\ntest_gate_value %d\n", p.value.Load())
}

// Start runs Prometheus with the given rule file (YAML groups), skipping
// the test when Debian's prometheus is not installed. Its log is printed
// when the test fails.
func Start(t testing.TB, rules string) *Prometheus {
	t.Helper()
	if _, err := os.Stat(Bin); err != nil {
		t.Skipf("no Prometheus: %v", err)
	}
	p := &Prometheus{}
	target := httptest.NewServer(p)
	t.Cleanup(target.Close)
	dir := t.TempDir()
	rulesFile, configFile := filepath.Join(dir, "rules.yml"), filepath.Join(dir, "prometheus.yml")
	write(t, rulesFile, rules)
	write(t, configFile, fmt.Sprintf(config, rulesFile, strings.TrimPrefix(target.URL, "http://")))
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	addr := etcdtest.FreeAddr(t)
	cmd := exec.Command(Bin, "--web.listen-address="+addr, "--config.file="+configFile,
		"--storage.tsdb.path="+filepath.Join(dir, "data"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Should the test binary die, Prometheus dies with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	p.stop = func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			logFile.Close()
		})
	}
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			log, _ := os.ReadFile(logFile.Name())
			t.Logf("prometheus log:\n%s", log)
		}
	})
	p.URL = "http://" + addr + "/"
	return p
}

func write(t testing.TB, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
