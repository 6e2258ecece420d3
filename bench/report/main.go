// Command report turns the output of `make bench` (Go benchmark format,
// bench/results.txt) into bench/results.md, a table for people and the
// README, and bench/results.json, the same numbers for scripts: the median
// of every metric over the runs, the ratios the goals of issue 8 are stated
// in, and the machine it ran on. It computes nothing it did not read.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

func main() {
	in := flag.String("in", "bench/results.txt", "benchmark output to read")
	md := flag.String("md", "bench/results.md", "table to write")
	js := flag.String("json", "bench/results.json", "JSON to write")
	flag.Parse()
	if err := run(*in, *md, *js); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(in, md, js string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := Read(f, in)
	if err != nil {
		return err
	}
	rep.Machine = ThisMachine()
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(js, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(md, []byte(rep.Markdown()), 0o644)
}
