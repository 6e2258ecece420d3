package cli

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the status text")

// threeFailures is a site whose three servers failed the same way, with a
// message as long as dpkg's were before they were condensed.
func threeFailures() statusJSON {
	st := baseStatus()
	st.Now = testNow
	msg := "install the site package: dpkg -i example-site_2026.11.24-1_amd64.deb: " + strings.Repeat("dpkg: error processing package example-site (--install): ", 9) + "post-installation script exited 1"
	for lrn := range 3 {
		r := report(2, "prepare 2026.11.24-1", "aborted", 3*time.Minute, msg)
		st.Servers = append(st.Servers, statusServer(lrn, true, true, r))
	}
	return st
}

// TestStatusFitsTheTerminal: at 80 and 200 columns no table row is wider
// than the terminal; the message cut in the table is listed whole once,
// with the three servers that report it. Golden files hold the whole text
// (go test -run TestStatusFitsTheTerminal -update rewrites them).
func TestStatusFitsTheTerminal(t *testing.T) {
	for _, width := range []int{80, 200} {
		t.Run("width "+itoa(width), func(t *testing.T) {
			got := statusText(threeFailures(), width)
			inTable := false
			for _, line := range strings.Split(got, "\n") {
				switch {
				case strings.HasPrefix(line, "LRN "):
					inTable = true
				case line == "":
					inTable = false
				}
				if inTable && utf8.RuneCountInString(line) > width {
					t.Errorf("table row of %d columns at width %d: %q", utf8.RuneCountInString(line), width, line)
				}
			}
			if n := strings.Count(got, "post-installation script exited 1"); n != 1 {
				t.Errorf("the failure is written %d times, want once (in messages:)", n)
			}
			if !strings.Contains(got, "\nmessages:\n  0,1,2: install the site package: ") {
				t.Errorf("no messages section grouping servers 0,1,2:\n%s", got)
			}
			golden := filepath.Join("testdata", "status-3-failures-"+itoa(width)+".golden")
			if *updateGolden {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("status at %d columns differs from %s:\n%s", width, golden, got)
			}
		})
	}
	// Not a terminal: nothing is cut, and nothing is listed twice.
	if got := statusText(threeFailures(), 0); strings.Contains(got, "messages:") || strings.Count(got, "post-installation script exited 1") != 3 {
		t.Errorf("without a terminal:\n%s", got)
	}
}
