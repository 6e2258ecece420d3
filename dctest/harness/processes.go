//go:build dctest

package harness

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// pids lists the numeric entries of /proc.
func pids() []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// childNamed returns a child of ppid whose command name is name, or 0
// (pgrep -P PPID -x NAME).
func childNamed(ppid int, name string) int {
	for _, pid := range pids() {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parens, so
		// split at the last ')'.
		s := string(stat)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) < 2 || s[open+1:end] != name {
			continue
		}
		if p, _ := strconv.Atoi(fields[1]); p == ppid {
			return pid
		}
	}
	return 0
}

// pidsInNamespaces lists the processes whose network namespace is one of
// links ("net:[INODE]"), other than this one.
func pidsInNamespaces(links map[string]bool) []int {
	if len(links) == 0 {
		return nil
	}
	var out []int
	for _, pid := range pids() {
		if pid == os.Getpid() {
			continue
		}
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err == nil && links[l] {
			out = append(out, pid)
		}
	}
	return out
}

// killNamespaces SIGKILLs every process in run id's network namespaces:
// what the run's cgroups did not hold (nothing should be left by then).
func killNamespaces(id string) (killed []int, err error) {
	links, err := namespaceInodes(id)
	if err != nil {
		return nil, err
	}
	for _, pid := range pidsInNamespaces(links) {
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed = append(killed, pid)
		}
	}
	return killed, nil
}
