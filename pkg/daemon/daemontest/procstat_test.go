package daemontest

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// readProc agrees with what the kernel tells this process about itself
// through getrusage: the CPU time to the ticks /proc counts in, the RSS
// not above the peak (but for the kernel's lazy counting) nor far below.
func TestReadProcSelf(t *testing.T) {
	spin := time.Now()
	for time.Since(spin) < 100*time.Millisecond { // CPU time to measure
	}
	before := rusage(t)
	s, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	after := rusage(t)
	// utime and stime are each truncated to a tick.
	if tick := time.Second / clockTicks; s.CPU < cpuTime(before)-2*tick || s.CPU > cpuTime(after) {
		t.Errorf("/proc says %v of CPU; getrusage says %v to %v", s.CPU, cpuTime(before), cpuTime(after))
	}
	// The kernel syncs its per-thread RSS counters lazily, so the two may
	// differ by a little; VmSize, or kB read as bytes, would be far off.
	if peak := after.Maxrss << 10; s.Anon <= 0 || s.Anon > s.RSS || s.RSS > peak*11/10 || s.RSS < peak/10 {
		t.Errorf("/proc says an RSS of %d bytes, %d anonymous; getrusage says the peak is %d", s.RSS, s.Anon, peak)
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
