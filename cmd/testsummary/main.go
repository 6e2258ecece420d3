// Command testsummary ends `make test`: it reads `go test -json` on
// standard input and prints what failed and one count of what ran, passed,
// failed and was skipped, with each skip's reason (pkg/testsummary). It
// exits 1 when anything failed. A tool of this repository, not shipped.
package main

import (
	"fmt"
	"os"

	"github.com/necoship/neco/pkg/testsummary"
)

func main() {
	s, err := testsummary.Read(os.Stdin, os.Stdout)
	s.Write(os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	if !s.OK() {
		os.Exit(1)
	}
}
