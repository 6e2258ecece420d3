package main

import "fmt"

// Goal is one goal of issue 8 (or of a later issue, which the goal names)
// and what this run measured for it. A goal whose benchmark did not run is
// listed as not measured, never as met.
type Goal struct {
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	// Met is nil when the benchmark did not run.
	Met *bool `json:"met"`
}

// goalList collects goals; a goal whose benchmark did not run (!ok) is
// not measured.
type goalList []Goal

func (l *goalList) add(goal string, ok bool, measured string, met bool) {
	g := Goal{Goal: goal, Measured: "not measured"}
	if ok {
		g.Measured, g.Met = measured, &met
	}
	*l = append(*l, g)
}

// evaluate states each goal against the medians. benchfmt reads ns/X as
// sec/X (tidied units), so times are in seconds here.
func evaluate(bs []Benchmark) []Goal {
	var goals goalList
	add := goals.add
	r, ok := metric(bs, "Detection/steady", "304/req")
	add("every steady-state GitHub request is a conditional 304", ok, fmt.Sprintf("%.0f%% were 304", r*100), r == 1)

	for _, n := range []string{"10", "100", "1000", "3000"} {
		req, ok := metric(bs, "BarrierScale/workers="+n, "etcd-req/worker/step")
		add("<= 3 etcd requests per worker per step, "+n+" workers", ok, fmt.Sprintf("%.2f", req), req <= 3)
	}
	// Linear: what one worker costs etcd stays flat, and time grows no
	// faster than the site.
	for _, g := range []struct {
		what, unit string
		limit      float64
	}{
		{"etcd requests per worker per step", "etcd-req/worker/step", 1.25},
		{"time per barrier step", "sec/barrier-step", 10},
		{"time per update", "sec/op", 10},
	} {
		v100, ok100 := metric(bs, "BarrierScale/workers=100", g.unit)
		v1000, ok1000 := metric(bs, "BarrierScale/workers=1000", g.unit)
		growth := v1000 / v100
		add(fmt.Sprintf("linear growth from 100 to 1000 workers: %s (x%g or less)", g.what, g.limit),
			ok100 && ok1000, fmt.Sprintf("x%.2f", growth), growth <= g.limit)
	}
	step, ok := metric(bs, "BarrierScale/workers=1000", "sec/barrier-step")
	add("1000 workers x 5 barrier steps in under 10 s", ok, fmt.Sprintf("%.1f s", 5*step), 5*step < 10)
	rolling, ok := metric(bs, "BarrierScale/workers=1000", "sec/rolling-step")
	add("1000 workers: a rolling step (max-unavailable 100) in at most 1.5 s (issue 23)", ok, fmt.Sprintf("%.2f s", rolling), rolling <= 1.5)
	goals = append(goals, scaleGoals(bs)...)

	script, okS := metric(bs, "Overhead/script", "sec/op")
	neco, okN := metric(bs, "Overhead/neco", "sec/op")
	ratio := neco / script
	add("neco / shell script <= 1.10 for the same install and pulls", okS && okN, fmt.Sprintf("%.2f", ratio), ratio <= 1.10)

	for _, d := range []string{"updater", "worker"} {
		rss, ok := metric(bs, "Footprint/"+d, "rss-MiB")
		add("idle neco-"+d+" RSS <= 25 MiB", ok, fmt.Sprintf("%.1f MiB", rss), rss <= 25)
		cpu, ok := metric(bs, "Footprint/"+d, "cpu-%")
		add("idle neco-"+d+" CPU ~0 (< 1%)", ok, fmt.Sprintf("%.2f%%", cpu), cpu < 1)
	}
	follower, ok := metric(bs, "Detection/webhook-follower", "sec/op")
	add("a webhook delivered to a follower: status/current written within 1 s (issue 22)", ok,
		fmt.Sprintf("%.2f s", follower), follower <= 1)
	rss, ok := metric(bs, "ReleaseCheckRSS", "peak-rss-MiB")
	add("one release check of 100 releases with 100 KB notes each: peak RSS < 64 MiB (issue 20)", ok, fmt.Sprintf("%.1f MiB", rss), rss < 64)
	return goals
}

// scaleGoals are issue 23's goals for 3000 servers. "Flat" allows what
// "linear" allows requests per worker (x1.25).
func scaleGoals(bs []Benchmark) []Goal {
	var goals goalList
	add := goals.add
	growth := func(unit, from, to string) (float64, bool) {
		a, okA := metric(bs, "BarrierScale/workers="+from, unit)
		b, okB := metric(bs, "BarrierScale/workers="+to, unit)
		return b / a, okA && okB && a > 0
	}
	for _, g := range []struct {
		what, unit string
	}{
		{"bytes a worker reads in the rolling step", "read-B/worker/rolling-step"},
		{"bytes a worker reads per step of the update", "read-B/worker/step"},
	} {
		x, ok := growth(g.unit, "100", "3000")
		add(fmt.Sprintf("flat from 100 to 3000 workers: %s (x1.25 or less, issue 23)", g.what), ok, fmt.Sprintf("x%.2f", x), x <= 1.25)
	}
	x, ok := growth("sec/op", "1000", "3000")
	add("from 1000 to 3000 workers: time per update x3.3 or less (issue 23)", ok, fmt.Sprintf("x%.2f", x), x <= 3.3)
	for _, n := range []string{"1000", "3000"} {
		cores, ok := metric(bs, "BarrierScale/workers="+n, "cores-busy")
		add("what bounds the benchmark at "+n+" workers: CPU time over wall time, reported (issue 23)", ok,
			fmt.Sprintf("%.2f cores busy", cores), true)
	}
	peak, ok := metric(bs, "BarrierScale/workers=1000", "updater-peak-rss-MiB")
	add("peak RSS of neco-updater during updates of 1000 servers, reported (issue 23)", ok, fmt.Sprintf("%.1f MiB", peak), true)
	for _, d := range []string{"updater", "worker"} {
		anon, ok := metric(bs, "Footprint/"+d, "anon-MiB")
		add("idle neco-"+d+" anonymous memory, reported with its RSS (issue 23)", ok, fmt.Sprintf("%.1f MiB", anon), true)
	}
	return goals
}
