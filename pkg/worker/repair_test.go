package worker

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/deb"
	"github.com/necoship/neco/pkg/deb/debtest"
	"github.com/necoship/neco/pkg/model"
)

// A worker killed while dpkg runs the site package's postinst (its dpkg
// killed with it) leaves the package half-configured. The new process
// resumes step 0: it configures the package rather than installing it
// again, completes the update, and every report from then on says what
// it repaired, the last one included.
func TestKilledInPostinstRepairedOnResume(t *testing.T) {
	s := newSite(t)
	const v = "2026.11.23-1"
	s.publish(release{version: v, plan: "version: " + v + "\nservices:\n  - {unit: a.service, strategy: anytime}\n",
		postinst: "#!/bin/sh\ntouch /held\nwhile [ ! -e /proceed ]; do sleep 0.05; done\n"})
	s.join(0)
	n := s.newNode(0)
	n.root = debtest.NewShellRoot(t)
	stop := s.run(n)
	s.runUpdater()
	waitFile(t, filepath.Join(n.root, "held"))
	if err := stop(); err != nil {
		t.Fatalf("first worker: %v", err)
	}
	if got := audit(t, n.root); !strings.Contains(got, "half configured") || !strings.Contains(got, sitePackage) {
		t.Fatalf("after the kill dpkg --audit says %q, want %s half-configured", got, sitePackage)
	}
	if err := os.WriteFile(filepath.Join(n.root, "proceed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	s.run(n)
	snap := s.waitEnd(model.ResultCompleted, 30*time.Second)
	if got := n.dpkgInstalls.Load(); got != 1 {
		t.Errorf("dpkg -i ran %d times, want once: the repair configures, it does not unpack again", got)
	}
	if got, ok := installedVersion(t, n.root); !ok || got != v {
		t.Errorf("installed %q (%v), want %s", got, ok, v)
	}
	if got := audit(t, n.root); got != "" {
		t.Errorf("after the repair dpkg --audit says %q", got)
	}
	want := "dpkg had left " + sitePackage + " " + v + " install ok half-configured; repaired with dpkg --configure"
	if w := snap.Workers[0]; w.Cond != model.CondCompleted || !slices.Equal(w.Notes, []string{want}) {
		t.Errorf("the last report is %+v, want completed with the note %q", w, want)
	}
}

// waitFile waits until path exists.
func waitFile(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
	}
}

// audit is what dpkg --audit says of root.
func audit(t *testing.T, root string) string {
	t.Helper()
	i, err := deb.New(deb.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	out, err := i.Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A new process takes the notes of its update back from its own report,
// and drops them when the update changes.
func TestNotesResumeFromReport(t *testing.T) {
	var n notes
	n.resume(model.WorkerStatus{ID: 7, Notes: []string{"repaired"}})
	n.add(7, "denied")
	n.add(7, "repaired")
	r := model.WorkerStatus{ID: 7}
	n.attach(&r)
	if !slices.Equal(r.Notes, []string{"repaired", "denied"}) {
		t.Errorf("notes of update 7: %q", r.Notes)
	}
	n.resume(model.WorkerStatus{ID: 7}) // a later report of the same update: kept
	other := model.WorkerStatus{ID: 8}
	n.attach(&other)
	if other.Notes != nil {
		t.Errorf("update 8 got update 7's notes %q", other.Notes)
	}
	n.add(8, "new")
	n.attach(&r)
	if !slices.Equal(r.Notes, []string{"repaired", "denied"}) {
		t.Errorf("a report of update 7 changed: %q", r.Notes)
	}
}
