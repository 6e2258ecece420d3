package main

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine is where the benchmarks ran; the numbers mean nothing without it.
type Machine struct {
	OS        string  `json:"os"`
	Kernel    string  `json:"kernel"`
	CPU       string  `json:"cpu"`
	Cores     int     `json:"cores"`
	MemoryGiB float64 `json:"memory_gib"`
	Go        string  `json:"go"`
}

// ThisMachine reads what it can; a field it cannot read stays empty.
func ThisMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	m.OS = fileField("/etc/os-release", "PRETTY_NAME=", "=")
	m.CPU = fileField("/proc/cpuinfo", "model name", ":")
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if kb := fileField("/proc/meminfo", "MemTotal:", ":"); kb != "" {
		if n, err := strconv.ParseFloat(strings.TrimSuffix(kb, " kB"), 64); err == nil {
			m.MemoryGiB = float64(int(n/1024/1024*10+0.5)) / 10
		}
	}
	return m
}

// fileField is the value after sep on the first line of path starting
// with prefix, unquoted and trimmed.
func fileField(path, prefix, sep string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, prefix) {
			_, v, _ := strings.Cut(line, sep)
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}
