//go:build dctest

package site

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/necoship/neco/dctest/harness"
)

// SlowRegistryPort is where StartSlowRegistry listens: the registry,
// answering at a bounded rate, so that a test can act while an image pull
// is under way.
const SlowRegistryPort = 5001

// slowProxyEnv makes the current binary (a test binary or the demo)
// serve as the throttling proxy instead of running: RunSlowProxyIfAsked.
const slowProxyEnv = "NECO_DCTEST_SLOW_PROXY"

// StartSlowRegistry puts a proxy in front of the registry on
// HostIP:SlowRegistryPort that sends the registry's answers at
// bytesPerSec. It runs this very binary again as a host service, which
// must call RunSlowProxyIfAsked first thing (TestMain, main).
func (s *Site) StartSlowRegistry(ctx context.Context, bytesPerSec int) (*harness.HostService, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	spec := fmt.Sprintf("%s,%s,%d", hostAddr(SlowRegistryPort), s.RegistryAddr, bytesPerSec)
	return s.Cluster.StartService(ctx, "slow-registry", SlowRegistryPort, "env", slowProxyEnv+"="+spec, exe)
}

// RunSlowProxyIfAsked serves as the slow proxy and exits when this
// process was started by StartSlowRegistry; otherwise it returns at once.
func RunSlowProxyIfAsked() {
	spec := os.Getenv(slowProxyEnv)
	if spec == "" {
		return
	}
	parts := strings.Split(spec, ",")
	rate, err := strconv.Atoi(parts[len(parts)-1])
	if len(parts) != 3 || err != nil || rate <= 0 {
		fmt.Fprintf(os.Stderr, "%s: want LISTEN,TARGET,BYTES_PER_SEC, got %q\n", slowProxyEnv, spec)
		os.Exit(2)
	}
	if err := serveSlowProxy(context.Background(), parts[0], parts[1], rate); err != nil {
		fmt.Fprintln(os.Stderr, "slow proxy:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func serveSlowProxy(ctx context.Context, listen, target string, rate int) error {
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	defer l.Close()
	for {
		conn, err := l.Accept()
		if err != nil {
			return err
		}
		go proxyConn(ctx, conn, target, rate)
	}
}

// proxyConn relays one connection: requests as they come, answers at
// rate bytes per second.
func proxyConn(ctx context.Context, client net.Conn, target string, rate int) {
	defer client.Close()
	var d net.Dialer
	up, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return
	}
	defer up.Close()
	go func() {
		io.Copy(up, client)
		up.(*net.TCPConn).CloseWrite()
	}()
	io.Copy(client, &throttled{r: up, rate: rate, start: time.Now()})
}

// throttled reads at most rate bytes per second on average.
type throttled struct {
	r     io.Reader
	rate  int
	start time.Time
	n     int
}

func (t *throttled) Read(p []byte) (int, error) {
	if len(p) > t.rate/10+1 {
		p = p[:t.rate/10+1] // chunks of 100ms keep the rate smooth
	}
	n, err := t.r.Read(p)
	t.n += n
	due := t.start.Add(time.Duration(float64(t.n) / float64(t.rate) * float64(time.Second)))
	time.Sleep(time.Until(due))
	return n, err
}

// SlowRegistryAddr is the slow registry as the servers reach it.
func (s *Site) SlowRegistryAddr() string { return hostAddr(SlowRegistryPort) }
