package daemontest

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat.
// The kernel reports them in it whatever its own HZ, and it is 100 on
// every architecture neco is built for (sysconf(_SC_CLK_TCK) would say so,
// but needs cgo).
const clockTicks = 100

// ProcSample is what /proc says of a process at one moment.
type ProcSample struct {
	// rss is the resident set (VmRSS), anon its anonymous part (RssAnon):
	// the rest is mostly the binary's own pages, shared with the page
	// cache. Bytes.
	RSS, Anon int64
	CPU       time.Duration // user + system time since it started
}

// ReadProc reads VmRSS from /proc/PID/status and utime + stime from
// /proc/PID/stat.
func ReadProc(pid int) (ProcSample, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ProcSample{}, err
	}
	var s ProcSample
	want := map[string]*int64{"VmRSS": &s.RSS, "RssAnon": &s.Anon}
	for line := range strings.Lines(string(status)) {
		name, value, _ := strings.Cut(line, ":")
		if dst := want[name]; dst != nil {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
			if err != nil {
				return ProcSample{}, fmt.Errorf("/proc/%d/status: %s: %w", pid, name, err)
			}
			*dst = kb << 10
		}
	}
	if s.RSS == 0 || s.Anon == 0 {
		return ProcSample{}, fmt.Errorf("/proc/%d/status: no VmRSS or RssAnon (a zombie?)", pid)
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ProcSample{}, err
	}
	// The command name, field 2, is in parentheses and may hold spaces;
	// the fields after the last ")" start at field 3, state.
	var fields []string
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
		fields = strings.Fields(string(stat[i+1:]))
	}
	if len(fields) < 13 {
		return ProcSample{}, fmt.Errorf("/proc/%d/stat: %q: too few fields", pid, stat)
	}
	var ticks int64
	for _, f := range fields[11:13] { // fields 14 and 15: utime, stime
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return ProcSample{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	s.CPU = time.Duration(ticks) * time.Second / clockTicks
	return s, nil
}
