package main

import (
	"fmt"
	"slices"
	"strings"
)

// Markdown is bench/results.md: the machine, the goals, then every metric.
func (r Report) Markdown() string {
	var b strings.Builder
	m := r.Machine
	b.WriteString("# `make bench` results\n\n")
	fmt.Fprintf(&b, "Machine: %s, kernel %s, %s, %d cores, %.1f GiB; %s. Medians over the runs.\n\n",
		orDash(m.OS), orDash(m.Kernel), orDash(m.CPU), m.Cores, m.MemoryGiB, m.Go)
	b.WriteString("| goal | measured | met |\n|---|---|---|\n")
	for _, g := range r.Goals {
		met := "-"
		if g.Met != nil {
			met = map[bool]string{true: "yes", false: "**no**"}[*g.Met]
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", g.Goal, g.Measured, met)
	}
	b.WriteString("\n| benchmark | runs | metric | median |\n|---|---|---|---|\n")
	for _, bm := range r.Benchmarks {
		units := make([]string, 0, len(bm.Metrics))
		for u := range bm.Metrics {
			units = append(units, u)
		}
		slices.Sort(units)
		for _, u := range units {
			fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", bm.Name, bm.Runs, u, human(bm.Metrics[u], u))
		}
	}
	return b.String()
}

// human prints times (sec/X, as benchfmt tidies ns/X) in seconds or
// milliseconds, the rest as they are.
func human(v float64, unit string) string {
	if strings.HasPrefix(unit, "sec/") {
		switch {
		case v >= 1:
			return fmt.Sprintf("%.2f s", v)
		case v >= 1e-3:
			return fmt.Sprintf("%.2f ms", v*1e3)
		}
		return fmt.Sprintf("%.1f µs", v*1e6)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
