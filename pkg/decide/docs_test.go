package decide

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocumentedReasonsAreProduced: every example reason in the tables of
// docs/decide.md (the last cell of a row, in backticks) is one a test of
// this package expects, so the rules as written and as run cannot drift.
// An example may leave parts out with "...": each part between them must
// then appear. A test source holding the sentence is enough: the tests
// compare whole reasons, so a sentence they hold is one a decision made.
func TestDocumentedReasonsAreProduced(t *testing.T) {
	doc, err := os.ReadFile("../../docs/decide.md")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	examples := documentedReasons(string(doc))
	if len(examples) < 30 {
		t.Fatalf("found %d example reasons in docs/decide.md; the table format changed?", len(examples))
	}
	for _, ex := range examples {
		for _, part := range strings.Split(ex, "...") {
			if part = strings.TrimSpace(part); part != "" && !strings.Contains(src.String(), part) {
				t.Errorf("docs/decide.md example %q: no test expects %q", ex, part)
			}
		}
	}
}

// reasonCell is a table row's last cell: a reason in single or double
// backticks (double when the reason itself holds a backtick).
var reasonCell = regexp.MustCompile("\\| (``? ?)([^`|][^|]*?)( ?``?) \\|$")

// documentedReasons lists the example reasons of decide.md's tables.
func documentedReasons(doc string) []string {
	var out []string
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") {
			continue
		}
		if m := reasonCell.FindStringSubmatch(line); m != nil && strings.TrimSpace(m[1]) == strings.TrimSpace(m[3]) {
			out = append(out, m[2])
		}
	}
	return out
}
