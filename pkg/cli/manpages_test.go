package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// generate-docs writes one page per command --help lists, named by the
// command path, dated by SOURCE_DATE_EPOCH, and leaves out hidden ones.
func TestGenerateDocsWritesEveryCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man1") // created by the command
	_, stderr, code := run(t, map[string]string{"SOURCE_DATE_EPOCH": "1795392000"}, "generate-docs", "--man", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := pageNames(t, dir)
	for _, want := range []string{"neco.1", "neco-status.1", "neco-config-set.1", "neco-update-approve.1", "neco-completion-bash.1"} {
		if !got[want] {
			t.Errorf("no %s among %v", want, sortedKeys(got))
		}
	}
	for _, unwanted := range []string{"neco-generate-docs.1", "neco-help.1"} {
		if got[unwanted] {
			t.Errorf("%s written: hidden and help commands have no page", unwanted)
		}
	}
	// Every command of the tree has its page (completion is added by
	// Execute, so it is counted from the pages above).
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if !got[strings.ReplaceAll(c.CommandPath(), " ", "-")+".1"] {
			t.Errorf("no page for %q", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				walk(sub)
			}
		}
	}
	walk(NewRootCommand(Env{Getenv: func(string) string { return "" }}))

	status := readPage(t, dir, "neco-status.1")
	for _, want := range []string{`.TH "NECO-STATUS" "1" "Nov 2026"`, `\fB--json\fP`, `\fB--timeout\fP=30s`, `.SH SEE ALSO`, `\fBneco(1)\fP`} {
		if !strings.Contains(status, want) {
			t.Errorf("neco-status.1 lacks %q:\n%s", want, status)
		}
	}
	config := readPage(t, dir, "neco-config.1")
	if !strings.Contains(config, "\\fBneco-config-set(1)\\fP") {
		t.Errorf("neco-config.1 does not refer to neco-config-set(1):\n%s", config)
	}
}

func TestGenerateDocsRefusesBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
		want string
	}{
		"no dir":     {args: []string{"generate-docs"}, want: "--man is required"},
		"bad epoch":  {env: map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, args: []string{"generate-docs", "--man", t.TempDir()}, want: "SOURCE_DATE_EPOCH"},
		"extra args": {args: []string{"generate-docs", "--man", t.TempDir(), "x"}, want: "unknown command"},
	} {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := run(t, tc.env, tc.args...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want an error with %q", code, stderr, tc.want)
			}
		})
	}
}

// Help text reaches the page literally through cobra/doc: a line starting
// with "." is not a roff request, backslashes and hyphens survive, indented
// lines keep their layout. Rendered with groff, which also reports malformed input.
func TestManPageRendersHelpLiterally(t *testing.T) {
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("groff not found: install the Debian package groff-base")
	}
	root := &cobra.Command{Use: "tool", Short: "A tool"}
	sub := &cobra.Command{
		Use:   "do-it PATH",
		Short: "Do it",
		Long:  "First line with C:\\dir and --flag.\n.SH not a section\n\n  col-a   col-b\n  1       2",
		Run:   func(*cobra.Command, []string) {},
	}
	sub.Flags().Int("count", 3, "how many")
	root.AddCommand(sub, &cobra.Command{Use: "secret", Hidden: true, Run: func(*cobra.Command, []string) {}})
	dir := t.TempDir()
	if err := WriteManPages(root, dir, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if got := pageNames(t, dir); len(got) != 2 || !got["tool.1"] || !got["tool-do-it.1"] {
		t.Fatalf("pages %v, want tool.1 and tool-do-it.1", sortedKeys(got))
	}
	cmd := exec.Command(groff, "-man", "-Tascii", "-P-cbou", "-ww", filepath.Join(dir, "tool-do-it.1"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("groff: %v\n%s", err, stderr.String())
	}
	text := string(out)
	for _, want := range []string{`C:\dir and --flag.`, ".SH not a section", "col-a   col-b\n", "--count=3", "how many", "tool do-it PATH [flags]"} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered page lacks %q:\n%s", want, text)
		}
	}
}

func pageNames(t *testing.T, dir string) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names
}

func readPage(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
