package plan

import (
	"os"
	"strings"
	"testing"
)

// TestDocsExample keeps the example in docs/plan.md a valid plan.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/plan.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("docs/plan.md has no ```yaml block")
	}
	p, err := Parse(strings.NewReader(example))
	if err != nil {
		t.Fatalf("the example in docs/plan.md does not parse:\n%v", err)
	}
	if len(p.Debs) != 2 || len(p.Images) != 1 || len(p.Services) != 3 || len(p.Once) != 1 {
		t.Errorf("example parsed to %d debs, %d images, %d services, %d once-steps; want 2, 1, 3, 1",
			len(p.Debs), len(p.Images), len(p.Services), len(p.Once))
	}
}
