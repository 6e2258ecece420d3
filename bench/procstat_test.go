package bench

import (
	"errors"
	"time"

	"github.com/necoship/neco/pkg/daemon/daemontest"
)

// usage is a process's footprint over a window.
type usage struct {
	peakRSS, peakAnon int64
	cpu, wall         time.Duration
}

// sampleWindow reads /proc of pid every second (a tenth of the window
// when it is shorter) for window, and returns the highest RSS seen and
// the CPU time spent. exited closing means the process died: an error.
func sampleWindow(pid int, window time.Duration, exited <-chan struct{}) (usage, error) {
	first, err := daemontest.ReadProc(pid)
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
			s, err := daemontest.ReadProc(pid)
			if err != nil {
				return usage{}, err
			}
			peak.RSS, peak.Anon = max(peak.RSS, s.RSS), max(peak.Anon, s.Anon)
		case <-end.C:
			last, err := daemontest.ReadProc(pid)
			if err != nil {
				return usage{}, err
			}
			return usage{peakRSS: max(peak.RSS, last.RSS), peakAnon: max(peak.Anon, last.Anon),
				cpu: last.CPU - first.CPU, wall: time.Since(start)}, nil
		}
	}
}
