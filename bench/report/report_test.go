package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/necoship/neco/pkg/worker
cpu: Example CPU
BenchmarkBarrierScale/workers=100-2     1   2000000000 ns/op   200000000 ns/barrier-step   2.5 etcd-req/worker/step
BenchmarkBarrierScale/workers=100-2     1   4000000000 ns/op   500000000 ns/barrier-step   2.7 etcd-req/worker/step
BenchmarkBarrierScale/workers=100-2     1   3000000000 ns/op   400000000 ns/barrier-step   9.0 etcd-req/worker/step
BenchmarkBarrierScale/workers=1000-2    1   45000000000 ns/op  2100000000 ns/barrier-step  3.5 etcd-req/worker/step  1250000000 ns/rolling-step  40.5 updater-peak-rss-MiB
BenchmarkBarrierScale/workers=3000-2    1   90000000000 ns/op  2.9 etcd-req/worker/step
pkg: github.com/necoship/neco/bench
BenchmarkOverhead/script-2   1   1000000000 ns/op
BenchmarkOverhead/neco-2     1   1050000000 ns/op
pkg: github.com/necoship/neco/pkg/releases
BenchmarkReleaseCheckRSS-2   3   84603041 ns/op   12.10 base-rss-MiB   17.00 heap-MiB   32.50 peak-rss-MiB
PASS
`

func TestReadTakesMediansAndStatesGoals(t *testing.T) {
	rep, err := Read(strings.NewReader(sample), "sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []Benchmark{
		{Name: "BarrierScale/workers=100", Pkg: "github.com/necoship/neco/pkg/worker", Runs: 3,
			Metrics: map[string]float64{"sec/op": 3, "sec/barrier-step": 0.4, "etcd-req/worker/step": 2.7}},
		{Name: "BarrierScale/workers=1000", Pkg: "github.com/necoship/neco/pkg/worker", Runs: 1,
			Metrics: map[string]float64{"sec/op": 45, "sec/barrier-step": 2.1, "etcd-req/worker/step": 3.5, "sec/rolling-step": 1.25, "updater-peak-rss-MiB": 40.5}},
		{Name: "BarrierScale/workers=3000", Pkg: "github.com/necoship/neco/pkg/worker", Runs: 1,
			Metrics: map[string]float64{"sec/op": 90, "etcd-req/worker/step": 2.9}},
		{Name: "Overhead/script", Pkg: "github.com/necoship/neco/bench", Runs: 1, Metrics: map[string]float64{"sec/op": 1}},
		{Name: "Overhead/neco", Pkg: "github.com/necoship/neco/bench", Runs: 1, Metrics: map[string]float64{"sec/op": 1.05}},
		{Name: "ReleaseCheckRSS", Pkg: "github.com/necoship/neco/pkg/releases", Runs: 1,
			Metrics: map[string]float64{"sec/op": 0.084603041, "base-rss-MiB": 12.1, "heap-MiB": 17, "peak-rss-MiB": 32.5}},
	}
	if diff := cmp.Diff(want, rep.Benchmarks); diff != "" {
		t.Errorf("benchmarks (-want +got):\n%s", diff)
	}
	got := map[string]string{}
	for _, g := range rep.Goals {
		met := "not measured"
		if g.Met != nil {
			met = map[bool]string{true: "met", false: "missed"}[*g.Met]
		}
		got[g.Goal] = g.Measured + ": " + met
	}
	for goal, want := range map[string]string{
		"<= 3 etcd requests per worker per step, 100 workers":                                               "2.70: met",
		"<= 3 etcd requests per worker per step, 1000 workers":                                              "3.50: missed",
		"<= 3 etcd requests per worker per step, 10 workers":                                                "not measured: not measured",
		"linear growth from 100 to 1000 workers: etcd requests per worker per step (x1.25 or less)":         "x1.30: missed",
		"linear growth from 100 to 1000 workers: time per barrier step (x10 or less)":                       "x5.25: met",
		"linear growth from 100 to 1000 workers: time per update (x10 or less)":                             "x15.00: missed",
		"1000 workers x 5 barrier steps in under 10 s":                                                      "10.5 s: missed",
		"1000 workers: a rolling step (max-unavailable 100) in at most 1.5 s (issue 23)":                    "1.25 s: met",
		"neco / shell script <= 1.10 for the same install and pulls":                                        "1.05: met",
		"every steady-state GitHub request is a conditional 304":                                            "not measured: not measured",
		"one release check of 100 releases with 100 KB notes each: peak RSS < 64 MiB (issue 20)":            "32.5 MiB: met",
		"<= 3 etcd requests per worker per step, 3000 workers":                                              "2.90: met",
		"from 1000 to 3000 workers: time per update x3.3 or less (issue 23)":                                "x2.00: met",
		"peak RSS of neco-updater during updates of 1000 servers, reported (issue 23)":                      "40.5 MiB: met",
		"flat from 100 to 3000 workers: bytes a worker reads in the rolling step (x1.25 or less, issue 23)": "not measured: not measured",
	} {
		if got[goal] != want {
			t.Errorf("%s: %q, want %q", goal, got[goal], want)
		}
	}
	md := rep.Markdown()
	for _, line := range []string{
		"| neco / shell script <= 1.10 for the same install and pulls | 1.05 | yes |",
		"| linear growth from 100 to 1000 workers: time per update (x10 or less) | x15.00 | **no** |",
		"| BarrierScale/workers=100 | 3 | sec/op | 3.00 s |",
		"| BarrierScale/workers=100 | 3 | etcd-req/worker/step | 2.7 |",
	} {
		if !strings.Contains(md, line+"\n") {
			t.Errorf("markdown lacks %q:\n%s", line, md)
		}
	}
}

func TestReadRefusesNothing(t *testing.T) {
	if _, err := Read(strings.NewReader("PASS\n"), "empty.txt"); err == nil {
		t.Error("no results: want an error")
	}
}
