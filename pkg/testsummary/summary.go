// Package testsummary owns the end of `make test`: it reads `go test
// -json`, passes on what a person reads (each package's result line, the
// output of failing tests, build errors) and ends with one count of what
// ran, passed, failed and was skipped, each skip with its reason. A test
// that skips itself for want of a system binary (dpkg, containerd, a
// registry) must never make a partly skipped run read as a green one.
package testsummary

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json's TestEvent), plus
// the build events of `go test -json` (ImportPath, build-output).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

// Skip is one skipped test and why, in its own words.
type Skip struct {
	Package, Test, Reason string
}

// Summary counts tests, subtests included.
type Summary struct {
	Passed, Failed, Skipped int
	Skips                   []Skip
	// FailedPackages failed as a whole: a test failed, a build failed,
	// or the test binary panicked or timed out outside any test.
	FailedPackages []string
	// BadLines are input lines that were not events (a crash of go test
	// itself writes such); they count as a failure.
	BadLines int
}

// OK says nothing failed.
func (s Summary) OK() bool { return s.Failed == 0 && len(s.FailedPackages) == 0 && s.BadLines == 0 }

// maxLine bounds one line of the stream: a test that writes megabytes on
// one line is cut, not the summary.
const maxLine = 4 << 20

// Read reads the stream r and writes to w what a person reads as it goes:
// package result lines, build errors, and the whole output of each test
// that failed, when it fails.
func Read(r io.Reader, w io.Writer) (Summary, error) {
	var s Summary
	outputs := map[string][]string{} // package + test -> its output so far
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for sc.Scan() {
		var ev event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Action == "" {
			s.BadLines++
			fmt.Fprintln(w, sc.Text())
			continue
		}
		s.take(ev, outputs, w)
	}
	return s, sc.Err()
}

func (s *Summary) take(ev event, outputs map[string][]string, w io.Writer) {
	key := ev.Package + "\x00" + ev.Test
	switch {
	case ev.Action == "build-output":
		io.WriteString(w, ev.Output)
	case ev.Action == "build-fail":
		s.FailedPackages = append(s.FailedPackages, ev.ImportPath)
	case ev.Test == "" && ev.Action == "output":
		io.WriteString(w, ev.Output) // ok/FAIL lines, panics outside tests
	case ev.Test == "" && ev.Action == "fail":
		s.FailedPackages = append(s.FailedPackages, ev.Package)
	case ev.Test == "":
		// A package's own pass, or its skip: no test files.
	case ev.Action == "output":
		outputs[key] = append(outputs[key], ev.Output)
	case ev.Action == "pass":
		s.Passed++
		delete(outputs, key)
	case ev.Action == "fail":
		s.Failed++
		for _, line := range outputs[key] {
			io.WriteString(w, line)
		}
		delete(outputs, key)
	case ev.Action == "skip":
		s.Skipped++
		s.Skips = append(s.Skips, Skip{Package: ev.Package, Test: ev.Test, Reason: skipReason(outputs[key])})
		delete(outputs, key)
	}
}

// fileLine is the "x_test.go:12: " go test puts before a test's words.
var fileLine = regexp.MustCompile(`^\S+\.go:\d+: (.*)$`)

// skipReason is what a skipped test said last before "--- SKIP", without
// the file:line go test puts in front.
func skipReason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "--- SKIP") || strings.HasPrefix(l, "=== ") {
			continue
		}
		if m := fileLine.FindStringSubmatch(l); m != nil {
			return m[1]
		}
		return l
	}
	return "no reason given"
}

// Write writes the closing lines: the counts, then the skips grouped by
// reason (most common first), then what failed.
func (s Summary) Write(w io.Writer) {
	fmt.Fprintf(w, "\ntests (subtests included): %d ran, %d passed, %d failed, %d skipped\n",
		s.Passed+s.Failed+s.Skipped, s.Passed, s.Failed, s.Skipped)
	byReason := map[string][]string{}
	for _, sk := range s.Skips {
		byReason[sk.Reason] = append(byReason[sk.Reason], shortPackage(sk.Package)+"."+sk.Test)
	}
	reasons := make([]string, 0, len(byReason))
	for r := range byReason {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if a, b := len(byReason[reasons[i]]), len(byReason[reasons[j]]); a != b {
			return a > b
		}
		return reasons[i] < reasons[j]
	})
	for _, r := range reasons {
		tests := byReason[r]
		fmt.Fprintf(w, "  skipped %d: %s (%s)\n", len(tests), r, strings.Join(firstOf(tests, 3), ", "))
	}
	for _, p := range s.FailedPackages {
		fmt.Fprintf(w, "  FAILED: %s\n", p)
	}
	if s.BadLines > 0 {
		fmt.Fprintf(w, "  FAILED: %d lines of go test's output were not test events\n", s.BadLines)
	}
}

// firstOf is the first n of xs, and "... N more" for the rest.
func firstOf(xs []string, n int) []string {
	if len(xs) <= n {
		return xs
	}
	return append(xs[:n:n], fmt.Sprintf("%d more", len(xs)-n))
}

// shortPackage drops the module path: pkg/deb, not github.com/....
func shortPackage(p string) string {
	if i := strings.Index(p, "/pkg/"); i >= 0 {
		return p[i+1:]
	}
	return p
}
