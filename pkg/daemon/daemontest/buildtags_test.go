package daemontest

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestBuildTagsAgree: the Makefile, debian/rules and Build build the
// daemons with the same tags, and with them no daemon
// links Go's plugin package (containerd's client imports it unless
// static_build is set): its presence alone makes the linker keep every
// exported method of every type in the binary and export every symbol,
// and neco-worker kept 11 MiB more of its binary resident.
func TestBuildTagsAgree(t *testing.T) {
	for file, re := range map[string]*regexp.Regexp{
		"../../../Makefile":     regexp.MustCompile(`(?m)^GO_TAGS\s*:=\s*(\S+)$`),
		"../../../debian/rules": regexp.MustCompile(`(?m)^export GOFLAGS :=.*-tags=(\S+)`),
	} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m := re.FindSubmatch(data)
		if m == nil {
			t.Errorf("%s: no build tags found (%s)", file, re)
			continue
		}
		if got := string(m[1]); got != BuildTags {
			t.Errorf("%s builds with tags %q, daemontest.Build with %q", file, got, BuildTags)
		}
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not found on PATH")
	}
	// neco-etcd links etcd's server, which imports x/net/trace itself.
	for _, cmd := range []string{"neco", "neco-updater", "neco-worker"} {
		out, err := exec.Command(gobin, "list", "-deps", "-tags", BuildTags, "github.com/necoship/neco/cmd/"+cmd).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", cmd, err)
		}
		deps := strings.Fields(string(out))
		for _, unwanted := range []string{"plugin", "golang.org/x/net/trace"} {
			if slices.Contains(deps, unwanted) {
				t.Errorf("%s links %s with tags %s", cmd, unwanted, BuildTags)
			}
		}
	}
}
