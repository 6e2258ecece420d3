package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat.
// The kernel reports them in it whatever its own HZ, and it is 100 on
// every architecture neco is built for (sysconf(_SC_CLK_TCK) would say so,
// but needs cgo).
const clockTicks = 100

// procSample is what /proc says of a process at one moment.
type procSample struct {
	// rss is the resident set (VmRSS), anon its anonymous part (RssAnon):
	// the rest is mostly the binary's own pages, shared with the page
	// cache. Bytes.
	rss, anon int64
	cpu       time.Duration // user + system time since it started
}

// readProc reads VmRSS from /proc/PID/status and utime + stime from
// /proc/PID/stat.
func readProc(pid int) (procSample, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procSample{}, err
	}
	var s procSample
	want := map[string]*int64{"VmRSS": &s.rss, "RssAnon": &s.anon}
	for line := range strings.Lines(string(status)) {
		name, value, _ := strings.Cut(line, ":")
		if dst := want[name]; dst != nil {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
			if err != nil {
				return procSample{}, fmt.Errorf("/proc/%d/status: %s: %w", pid, name, err)
			}
			*dst = kb << 10
		}
	}
	if s.rss == 0 || s.anon == 0 {
		return procSample{}, fmt.Errorf("/proc/%d/status: no VmRSS or RssAnon (a zombie?)", pid)
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procSample{}, err
	}
	// The command name, field 2, is in parentheses and may hold spaces;
	// the fields after the last ")" start at field 3, state.
	var fields []string
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
		fields = strings.Fields(string(stat[i+1:]))
	}
	if len(fields) < 13 {
		return procSample{}, fmt.Errorf("/proc/%d/stat: %q: too few fields", pid, stat)
	}
	var ticks int64
	for _, f := range fields[11:13] { // fields 14 and 15: utime, stime
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return procSample{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	s.cpu = time.Duration(ticks) * time.Second / clockTicks
	return s, nil
}

// usage is a process's footprint over a window.
type usage struct {
	peakRSS, peakAnon int64
	cpu, wall         time.Duration
}

// sampleWindow reads /proc of pid every second (a tenth of the window
// when it is shorter) for window, and returns the highest RSS seen and
// the CPU time spent. exited closing means the process died: an error.
func sampleWindow(pid int, window time.Duration, exited <-chan struct{}) (usage, error) {
	first, err := readProc(pid)
	if err != nil {
		return usage{}, err
	}
	start := time.Now()
	peak := first
	tick := time.NewTicker(min(time.Second, window/10))
	defer tick.Stop()
	end := time.NewTimer(window)
	defer end.Stop()
	for {
		select {
		case <-exited:
			return usage{}, errors.New("the process exited during the window")
		case <-tick.C:
			s, err := readProc(pid)
			if err != nil {
				return usage{}, err
			}
			peak.rss, peak.anon = max(peak.rss, s.rss), max(peak.anon, s.anon)
		case <-end.C:
			last, err := readProc(pid)
			if err != nil {
				return usage{}, err
			}
			return usage{peakRSS: max(peak.rss, last.rss), peakAnon: max(peak.anon, last.anon),
				cpu: last.cpu - first.cpu, wall: time.Since(start)}, nil
		}
	}
}

// readProc agrees with what the kernel tells this process about itself
// through getrusage: the CPU time to the ticks /proc counts in, the RSS
// not above the peak (but for the kernel's lazy counting) nor far below.
func TestReadProcSelf(t *testing.T) {
	spin := time.Now()
	for time.Since(spin) < 100*time.Millisecond { // CPU time to measure
	}
	before := rusage(t)
	s, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	after := rusage(t)
	// utime and stime are each truncated to a tick.
	if tick := time.Second / clockTicks; s.cpu < cpuTime(before)-2*tick || s.cpu > cpuTime(after) {
		t.Errorf("/proc says %v of CPU; getrusage says %v to %v", s.cpu, cpuTime(before), cpuTime(after))
	}
	// The kernel syncs its per-thread RSS counters lazily, so the two may
	// differ by a little; VmSize, or kB read as bytes, would be far off.
	if peak := after.Maxrss << 10; s.anon <= 0 || s.anon > s.rss || s.rss > peak*11/10 || s.rss < peak/10 {
		t.Errorf("/proc says an RSS of %d bytes, %d anonymous; getrusage says the peak is %d", s.rss, s.anon, peak)
	}
}

func rusage(t *testing.T) syscall.Rusage {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return ru
}

func cpuTime(ru syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
