package main

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"

	"golang.org/x/perf/benchfmt"
)

// Report is bench/results.json.
type Report struct {
	Machine    Machine     `json:"machine"`
	Benchmarks []Benchmark `json:"benchmarks"`
	Goals      []Goal      `json:"goals"`
}

// Benchmark is one benchmark's metrics, each the median of its runs.
type Benchmark struct {
	// Name is without the Benchmark prefix and the -GOMAXPROCS suffix.
	Name    string             `json:"name"`
	Pkg     string             `json:"pkg"`
	Runs    int                `json:"runs"`
	Metrics map[string]float64 `json:"metrics"`
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// Read parses Go benchmark output and takes the median of every metric of
// every benchmark over its runs (-count).
func Read(r io.Reader, fileName string) (Report, error) {
	type key struct{ pkg, name string }
	samples := map[key]map[string][]float64{}
	var order []key
	br := benchfmt.NewReader(r, fileName)
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.SyntaxError:
			return Report{}, fmt.Errorf("%s", rec.Error())
		case *benchfmt.Result:
			k := key{rec.GetConfig("pkg"), procsSuffix.ReplaceAllString(string(rec.Name.Full()), "")}
			if samples[k] == nil {
				samples[k] = map[string][]float64{}
				order = append(order, k)
			}
			for _, v := range rec.Values {
				samples[k][v.Unit] = append(samples[k][v.Unit], v.Value)
			}
		}
	}
	if err := br.Err(); err != nil {
		return Report{}, err
	}
	if len(order) == 0 {
		return Report{}, fmt.Errorf("%s: no benchmark results", fileName)
	}
	var rep Report
	for _, k := range order {
		b := Benchmark{Name: k.name, Pkg: k.pkg, Metrics: map[string]float64{}}
		for unit, vs := range samples[k] {
			b.Metrics[unit] = median(vs)
			b.Runs = max(b.Runs, len(vs))
		}
		rep.Benchmarks = append(rep.Benchmarks, b)
	}
	rep.Goals = evaluate(rep.Benchmarks)
	return rep, nil
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// metric finds a benchmark's median metric; ok is false when it did not run.
func metric(bs []Benchmark, name, unit string) (float64, bool) {
	for _, b := range bs {
		if b.Name == name {
			v, ok := b.Metrics[unit]
			return v, ok
		}
	}
	return 0, false
}
