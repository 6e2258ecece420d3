package cli

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

// watchRun is `neco status --watch` running until the test cancels it.
type watchRun struct {
	t      *testing.T
	cancel context.CancelFunc
	out    *syncBuffer
	errb   *syncBuffer
	done   chan int
}

func startWatch(t *testing.T, c *cluster, args ...string) *watchRun {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	w := &watchRun{t: t, cancel: cancel, out: &syncBuffer{}, errb: &syncBuffer{}, done: make(chan int, 1)}
	env := c.envFor(w.out, w.errb)
	go func() { w.done <- Execute(ctx, env, append([]string{"status", "--watch"}, args...)) }()
	t.Cleanup(cancel)
	return w
}

// waitFor waits until stdout holds want at least n times.
func (w *watchRun) waitFor(want string, n int) {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(w.out.String(), want) >= n {
			return
		}
		select {
		case code := <-w.done:
			w.t.Fatalf("watch exited %d: %s\n%s", code, w.errb.String(), w.out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	w.t.Fatalf("no %d× %q after 10s:\n%s", n, want, w.out.String())
}

// stop cancels the watch, as Ctrl-C does, and returns its exit code.
func (w *watchRun) stop() int {
	w.t.Helper()
	w.cancel()
	select {
	case code := <-w.done:
		return code
	case <-time.After(10 * time.Second):
		w.t.Fatal("watch did not end after cancel")
		return -1
	}
}

const watchHeader = "neco status at 2026-11-23 09:00:00 UTC, etcd revision "

func TestStatusWatchRedrawsOnChange(t *testing.T) {
	c := newCluster(t)
	s := seed(c)
	seedRunning(s)
	w := startWatch(t, c)
	w.waitFor(watchHeader, 1)

	s.worker(2, 12, 3, "pull images", model.CondRunning, 0, "")
	w.waitFor("pull images", 1)
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d after Ctrl-C; want 0: %s", code, w.errb.String())
	}
	out := w.out.String()
	if !strings.HasPrefix(out, watchHeader) || strings.Contains(out, "\x1b[") {
		t.Errorf("a pipe gets no escape codes and starts with the header:\n%q", out)
	}
	// Drawings after the first are separated by a blank line.
	if n := strings.Count(out, "\n\n"+watchHeader); n != strings.Count(out, watchHeader)-1 || n < 1 {
		t.Errorf("%d separated redraws in:\n%s", n, out)
	}
	last := out[strings.LastIndex(out, watchHeader):]
	if !strings.Contains(last, "2    boot-2   yes        3     pull images") {
		t.Errorf("last drawing does not show worker 2's new report:\n%s", last)
	}
	if w.errb.String() != "" {
		t.Errorf("stderr: %s", w.errb.String())
	}
}

func TestStatusWatchCoalescesBursts(t *testing.T) {
	c := newCluster(t)
	s := seed(c)
	seedRunning(s)
	w := startWatch(t, c)
	w.waitFor(watchHeader, 1)

	// One step of a 10-server update: 10 reports a few milliseconds
	// apart, each slower than a redraw takes, well within redrawDelay.
	const writes = 10
	for i := range writes {
		s.worker(2, 12, 3, "step "+itoa(i), model.CondRunning, 0, "")
		time.Sleep(5 * time.Millisecond)
	}
	w.waitFor("step "+itoa(writes-1), 1)
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if draws := strings.Count(w.out.String(), watchHeader); draws > 4 {
		t.Errorf("%d drawings for a burst of %d writes; want them coalesced", draws, writes)
	}
}

// TestStatusWatchSkipsHeartbeats: an elected leader puts its election key
// again every 2 s (pkg/leader); that changes nothing shown, so it draws
// nothing, while the leader's arrival and a real change each do.
func TestStatusWatchSkipsHeartbeats(t *testing.T) {
	c := newCluster(t)
	s := seed(c)
	seedRunning(s)
	w := startWatch(t, c)
	w.waitFor(watchHeader, 1)
	// A second candidate's key: its creation is a change, one drawing.
	key := s.leader("boot-1")
	w.waitFor(watchHeader, 2)
	before := strings.Count(w.out.String(), watchHeader)
	for range 5 {
		// Spaced past redrawDelay, so that each would be a drawing.
		time.Sleep(2 * redrawDelay)
		if _, err := s.client.Put(t.Context(), key, "boot-1", clientv3.WithIgnoreLease()); err != nil {
			t.Fatal(err)
		}
	}
	s.worker(2, 12, 3, "pull images", model.CondRunning, 0, "")
	w.waitFor("pull images", 1)
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if draws := strings.Count(w.out.String(), watchHeader) - before; draws != 1 {
		t.Errorf("%d drawings after five heartbeats and one report, want 1:\n%s", draws, w.out.String())
	}
}

func TestStatusWatchJSONLines(t *testing.T) {
	c := newCluster(t)
	s := seed(c)
	seedRunning(s)
	w := startWatch(t, c, "--json")
	w.waitFor("\n", 1)

	s.json("status/current", fixUpdate(true))
	w.waitFor(`"state":"stopping"`, 1)
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(w.out.String(), "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("%d lines; want one object per drawing:\n%s", len(lines), w.out.String())
	}
	var prev int64
	for i, line := range lines {
		var st statusJSON
		if err := json.Unmarshal([]byte(line), &st); err != nil {
			t.Fatalf("line %d is not a status object: %v\n%s", i, err, line)
		}
		if st.Revision <= prev {
			t.Errorf("line %d: revision %d after %d", i, st.Revision, prev)
		}
		prev = st.Revision
		if want := i == len(lines)-1; (st.Update.State == stateStopping) != want {
			t.Errorf("line %d: state %s", i, st.Update.State)
		}
	}
}

func TestStatusWatchFirstReadFails(t *testing.T) {
	c := newCluster(t)
	_, errOut, code := c.run("status", "--watch", "--timeout", "1ns")
	if code != 1 || !strings.Contains(errOut, "etcd did not answer within --timeout 1ns") {
		t.Errorf("exit %d, stderr %q; want 1 and the timeout named", code, errOut)
	}
}

func TestStatusWatchClearsATerminal(t *testing.T) {
	var out syncBuffer
	w := &statusWatch{env: Env{Stdout: &out}, terminal: true}
	st := baseStatus()
	for range 2 {
		if err := w.print(st); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Count(out.String(), clearScreen+"neco status at "); got != 2 {
		t.Errorf("%d drawings start by clearing the screen; want 2:\n%q", got, out.String())
	}
}

func TestIsTerminal(t *testing.T) {
	// /dev/null is a character device, as a terminal is; a pipe is not.
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer wr.Close()
	for _, tt := range []struct {
		name string
		f    any
		want bool
	}{
		{"character device", null, true},
		{"pipe", r, false},
		{"buffer", &syncBuffer{}, false},
	} {
		if got := isTerminal(tt.f); got != tt.want {
			t.Errorf("%s: %v; want %v", tt.name, got, tt.want)
		}
	}
}

// TestStatusWatchRefreshesAges: on a terminal, each tick redraws the last
// status at the clock's time without reading etcd (the watch has no store
// here: a read would fail the test), so a report's age and the update's
// running time move while nothing changes.
func TestStatusWatchRefreshesAges(t *testing.T) {
	var out syncBuffer
	now := testNow
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ticks := make(chan time.Time)
	w := &statusWatch{env: Env{Stdout: &out, Now: clock}, terminal: true, ages: ticks}
	st := baseStatus()
	st.Now = testNow
	st.Update = statusUpdate(stateRunning, false, 10*time.Second)
	st.Update.StartedAt = testNow.Add(-10 * time.Second)
	st.Servers = []statusServerJSON{statusServer(0, true, true, report(1, "prepare", "running", 3*time.Second, ""))}
	if err := w.print(st); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.follow(ctx, make(chan storage.WatchEvent)) }()
	mu.Lock()
	now = testNow.Add(5 * time.Second)
	mu.Unlock()
	ticks <- now // taken only by follow
	ticks <- now // the first drawing is written before this one is taken
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	last := out.String()[strings.LastIndex(out.String(), clearScreen):]
	if !strings.Contains(last, "8s ago") || !strings.Contains(last, "running for 15s") {
		t.Errorf("redrawn at +5s, want the report 8s old and the update running 15s:\n%s", last)
	}
}
