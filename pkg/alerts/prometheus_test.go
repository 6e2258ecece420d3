package alerts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const prometheusBin = "/usr/bin/prometheus"

// The rules: NecoTestGate fires while the scraped gauge is above 0;
// NecoTestPending matches the gate's regexp but stays pending for an
// hour; OtherAlwaysFiring fires from the first evaluation on and does not
// match.
const testRules = `groups:
  - name: neco-test
    rules:
      - alert: NecoTestGate
        expr: test_gate_value > 0
      - alert: NecoTestPending
        expr: vector(1)
        for: 1h
      - alert: OtherAlwaysFiring
        expr: vector(1)
`

const testConfig = `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: gate
    static_configs:
      - targets: [%q]
`

// gauge serves test_gate_value in Prometheus's text format.
type gauge struct{ v atomic.Int64 }

func (g *gauge) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# TYPE test_gate_value gauge\ntest_gate_value %d\n", g.v.Load())
}

// startPrometheus runs a real Prometheus scraping g every second, and
// returns its URL and a stop function, also run at cleanup.
func startPrometheus(t *testing.T, g *gauge) (string, func()) {
	t.Helper()
	if _, err := os.Stat(prometheusBin); err != nil {
		t.Skipf("no Prometheus: %v", err)
	}
	target := httptest.NewServer(g)
	t.Cleanup(target.Close)
	dir := t.TempDir()
	rules, config := filepath.Join(dir, "rules.yml"), filepath.Join(dir, "prometheus.yml")
	writeFile(t, rules, testRules)
	writeFile(t, config, fmt.Sprintf(testConfig, rules, strings.TrimPrefix(target.URL, "http://")))
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(prometheusBin, "--web.listen-address="+addr, "--config.file="+config,
		"--storage.tsdb.path="+filepath.Join(dir, "data"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Should the test binary die, Prometheus dies with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			logFile.Close()
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			log, _ := os.ReadFile(logFile.Name())
			t.Logf("prometheus log:\n%s", log)
		}
	})
	return "http://" + addr + "/", stop
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitFiring polls s until it answers want.
func waitFiring(t *testing.T, s *Source, want []string) {
	t.Helper()
	start := time.Now()
	waitFor(t, 60*time.Second, fmt.Sprintf("firing %v", want), func() (bool, string) {
		got, err := s.Firing(context.Background())
		return err == nil && cmp.Equal(want, got), fmt.Sprintf("%v, %v", got, err)
	})
	t.Logf("firing %v after %s", want, time.Since(start).Round(time.Millisecond))
}

func TestRealPrometheus(t *testing.T) {
	var g gauge
	url, stop := startPrometheus(t, &g)
	// CacheFor of 1ns: each poll asks Prometheus.
	gate := newSource(t, url, Options{Match: regexp.MustCompile(`^NecoTest`), CacheFor: time.Nanosecond})
	all := newSource(t, url, Options{CacheFor: time.Nanosecond})

	// Rules are evaluated once OtherAlwaysFiring fires; the gate, the
	// gauge at 0, sees none: NecoTestPending is only pending.
	waitFiring(t, all, []string{"OtherAlwaysFiring"})
	waitFiring(t, gate, []string{})

	g.v.Store(1)
	waitFiring(t, gate, []string{"NecoTestGate"})
	waitFiring(t, all, []string{"NecoTestGate", "OtherAlwaysFiring"})

	g.v.Store(0)
	waitFiring(t, gate, []string{})

	stop()
	_, err := gate.Firing(context.Background())
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("stopped Prometheus: got %v, want ErrUnreachable", err)
	}
	t.Logf("stopped Prometheus: %v", err)
}
