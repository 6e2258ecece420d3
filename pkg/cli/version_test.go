package cli

import "testing"

// TestVersionFlag: neco --version prints what neco version prints, as the
// daemons' --version do (the package test checks all three installed).
func TestVersionFlag(t *testing.T) {
	c := newCluster(t)
	want, _, code := c.run("version")
	if code != 0 || want == "" {
		t.Fatalf("neco version: exit %d, %q", code, want)
	}
	if got, errOut, code := c.run("--version"); code != 0 || got != want {
		t.Errorf("neco --version: exit %d, %q (stderr %q), want %q", code, got, errOut, want)
	}
}
