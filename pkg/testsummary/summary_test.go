package testsummary

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goTestJSON runs the real `go test -json` on a module of tests that
// pass, fail and skip, as a package of neco's does without dpkg.
func goTestJSON(t *testing.T) []byte {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command: the parser is tested against its real output")
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/site\n\ngo 1.24\n",
		"site_test.go": `package site

import "testing"

func TestPass(t *testing.T) {}
func TestNeedsDpkg(t *testing.T) { t.Skip("dpkg not installed: apt-get install dpkg") }
func TestFail(t *testing.T) { t.Log("while installing"); t.Error("postinst exited 1") }
func TestSub(t *testing.T) {
	t.Run("pass", func(t *testing.T) {})
	t.Run("needs containerd", func(t *testing.T) { t.Skip("dpkg not installed: apt-get install dpkg") })
}
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(goBin, "test", "-json", "-count=1", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	out, _ := cmd.Output() // exits 1: a test fails, which is the point
	if len(out) == 0 {
		t.Fatal("go test -json wrote nothing")
	}
	return out
}

// TestReadRealOutput: the counts, the skips with their reasons grouped,
// the failing test's whole output and the failed package, from what go
// test really writes.
func TestReadRealOutput(t *testing.T) {
	var shown bytes.Buffer
	s, err := Read(bytes.NewReader(goTestJSON(t)), &shown)
	if err != nil {
		t.Fatal(err)
	}
	if s.Passed != 3 || s.Failed != 1 || s.Skipped != 2 || s.OK() {
		t.Errorf("summary %+v, want 3 passed (TestPass, TestSub, TestSub/pass), 1 failed, 2 skipped, not OK", s)
	}
	for _, want := range []string{"while installing", "postinst exited 1", "--- FAIL: TestFail", "FAIL\texample.com/site"} {
		if !strings.Contains(shown.String(), want) {
			t.Errorf("shown output lacks %q:\n%s", want, shown.String())
		}
	}
	if strings.Contains(shown.String(), "=== RUN   TestPass") {
		t.Errorf("a passing test's output is shown:\n%s", shown.String())
	}
	var end bytes.Buffer
	s.Write(&end)
	want := "\ntests (subtests included): 6 ran, 3 passed, 1 failed, 2 skipped\n" +
		"  skipped 2: dpkg not installed: apt-get install dpkg (example.com/site.TestNeedsDpkg, example.com/site.TestSub/needs_containerd)\n" +
		"  FAILED: example.com/site\n"
	if end.String() != want {
		t.Errorf("closing lines:\n%s\nwant:\n%s", end.String(), want)
	}
}

// TestReadNotEvents: lines that are not events (go test itself crashing)
// are shown and make the run fail.
func TestReadNotEvents(t *testing.T) {
	var shown bytes.Buffer
	s, err := Read(strings.NewReader("panic: go test broke\n{\"Action\":\"pass\",\"Package\":\"p\",\"Test\":\"T\"}\n"), &shown)
	if err != nil || s.OK() || s.BadLines != 1 || s.Passed != 1 || !strings.Contains(shown.String(), "panic: go test broke") {
		t.Errorf("summary %+v, err %v, shown %q", s, err, shown.String())
	}
}
