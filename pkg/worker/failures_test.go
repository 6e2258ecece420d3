package worker

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/plan"
)

// A package that does not match SHA256SUMS is refused before dpkg sees it:
// nothing is installed, the worker reports aborted with the reason at
// once (no retries: it cannot get better), and the updater ends the update.
func TestChecksumMismatchAbortsBeforeInstall(t *testing.T) {
	s := newSite(t)
	s.publish(release{version: "2026.11.23-1", corrupt: true})
	s.join(0)
	n := s.newNode(0)
	s.run(n)
	s.runUpdater()
	snap := s.waitEnd(model.ResultAborted, 30*time.Second)
	w := snap.Workers[0]
	if w.Cond != model.CondAborted || !strings.Contains(w.Message, "sha256 mismatch") {
		t.Errorf("worker reported %+v, want aborted saying sha256 mismatch", w)
	}
	if strings.Contains(w.Message, "attempt") {
		t.Errorf("worker retried a checksum mismatch: %q", w.Message)
	}
	if _, ok := installedVersion(t, n.root); ok {
		t.Error("the site package is installed")
	}
	if got := n.dpkgInstalls.Load(); got != 0 {
		t.Errorf("dpkg -i ran %d times, want never", got)
	}
}

// gatedImages blocks the first Pull until its context ends: the worker is
// "killed" while pulling, after the install.
type gatedImages struct {
	reached chan struct{}
	pulls   atomic.Int64
}

func (g *gatedImages) Pull(ctx context.Context, imgs []plan.Image) ([]op.Image, error) {
	if g.pulls.Add(1) == 1 {
		close(g.reached)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	out := make([]op.Image, len(imgs))
	for i, img := range imgs {
		out[i] = op.Image{Name: img.Name, Digest: img.Digest(), Pulled: true}
	}
	return out, nil
}

// A worker stopped between install and pull (its process gone: nothing
// reported on the way out) resumes from etcd in a new process and finishes
// without running dpkg again.
func TestResumeAfterKillBetweenInstallAndPull(t *testing.T) {
	s := newSite(t)
	const v = "2026.11.23-1"
	digest := "sha256:" + strings.Repeat("ab", 32)
	s.publish(release{version: v, plan: "version: " + v + "\nimages:\n  - {name: app, ref: \"registry.example/app:1@" + digest + "\"}\n"})
	s.join(0)
	n := s.newNode(0)
	gate := &gatedImages{reached: make(chan struct{})}
	n.images = gate
	stop := s.run(n)
	s.runUpdater()
	select {
	case <-gate.reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker never reached the image pull")
	}
	if err := stop(); err != nil {
		t.Fatalf("first worker: %v", err)
	}
	if got := n.dpkgInstalls.Load(); got != 1 {
		t.Fatalf("dpkg -i ran %d times before the kill, want 1", got)
	}
	// A step is reported once it has run for ProgressDelay: the killed
	// worker may have left no report at all. Either way, not past step 0.
	before := s.snapshot()
	if w, ok := before.Workers[0]; ok && (w.Step != 0 || w.Cond != model.CondRunning) {
		t.Fatalf("after the kill the report is %+v, want none or step 0 running", w)
	}

	s.run(n) // the new process
	s.waitEnd(model.ResultCompleted, 30*time.Second)
	if got := n.dpkgInstalls.Load(); got != 1 {
		t.Errorf("dpkg -i ran %d times in all, want 1: the resumed worker reinstalled", got)
	}
	if got := gate.pulls.Load(); got != 2 {
		t.Errorf("pulls = %d, want the interrupted one and the resumed one", got)
	}
	inst, _, err := s.st.ListInstalled(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if inst.Images["app"] != digest || inst.Debs[sitePackage].String() != v {
		t.Errorf("install records = %+v", inst)
	}
}

// A failing step is retried, its report saying which attempt failed and
// why, then the worker aborts.
func TestFailingStepRetriedThenAborted(t *testing.T) {
	s := newSite(t)
	const v = "2026.11.23-1"
	s.publish(release{version: v, plan: "version: " + v + "\nimages:\n  - {name: app, ref: \"registry.example/app:1@sha256:" + strings.Repeat("cd", 32) + "\"}\n"})
	s.join(0)
	n := s.newNode(0)
	errDown := errors.New("registry down")
	var pulls atomic.Int64
	n.images = imagesFunc(func(context.Context, []plan.Image) ([]op.Image, error) {
		pulls.Add(1)
		return nil, errDown
	})
	s.run(n)
	s.runUpdater()
	snap := s.waitEnd(model.ResultAborted, 30*time.Second)
	if w := snap.Workers[0]; w.Cond != model.CondAborted || !strings.Contains(w.Message, "registry down") {
		t.Errorf("worker reported %+v", w)
	}
	if got := pulls.Load(); got != defaultAttempts {
		t.Errorf("pull tried %d times, want %d", got, defaultAttempts)
	}
	if got := n.dpkgInstalls.Load(); got != 1 {
		t.Errorf("dpkg -i ran %d times over the attempts, want 1", got)
	}
}

// TestFailingPostinstAbortsAtOnce: a site package whose postinst fails
// is a permanent failure: dpkg runs once, the update aborts without a
// retry, and the report names the script and its exit status rather than
// dpkg's whole output.
func TestFailingPostinstAbortsAtOnce(t *testing.T) {
	s := newSite(t)
	const v = "2026.11.23-1"
	s.publish(release{version: v, postinst: "#!/bin/sh\nexit 1\n"})
	s.join(0)
	n := s.newNode(0)
	s.run(n)
	s.runUpdater()
	snap := s.waitEnd(model.ResultAborted, 30*time.Second)
	w := snap.Workers[0]
	if w.Cond != model.CondAborted || !strings.Contains(w.Message, "example-site post-installation script exited") ||
		strings.Contains(w.Message, "Errors were encountered") {
		t.Errorf("worker reported %+v, want an abort naming the postinst and its exit status, without dpkg's whole output", w)
	}
	if got := n.dpkgInstalls.Load(); got != 1 {
		t.Errorf("dpkg -i ran %d times, want 1: a failing maintainer script is not retried", got)
	}
}

type imagesFunc func(ctx context.Context, imgs []plan.Image) ([]op.Image, error)

func (f imagesFunc) Pull(ctx context.Context, imgs []plan.Image) ([]op.Image, error) {
	return f(ctx, imgs)
}

// neco update abort interrupts the step a worker is in, at once, and the
// worker starts nothing more.
func TestAbortInterruptsRunningStep(t *testing.T) {
	s := newSite(t)
	const v = "2026.11.23-1"
	s.publish(release{version: v, plan: "version: " + v + "\nservices:\n  - {unit: slow.service, strategy: anytime, timeout: 1h}\n  - {unit: next.service, strategy: anytime}\n"})
	s.join(0)
	n := s.newNode(0)
	n.hold = time.Hour // the restart hangs until cancelled
	s.run(n)
	s.runUpdater()
	s.waitFor("the restart to start", 30*time.Second, func(snap model.Snapshot) bool {
		return snap.Workers[0].StepName == "restart slow.service (anytime)" && snap.Workers[0].Step == 1
	})
	if _, err := s.st.AbortUpdate(context.Background(), model.OperatorAct{Act: model.ActAbort, By: "test"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(s.events.of("interrupted restart", "slow.service")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the running restart was not interrupted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.waitEnd(model.ResultAborted, 30*time.Second)
	time.Sleep(300 * time.Millisecond) // a few worker ticks
	if got := s.events.of("restart", "next.service"); len(got) != 0 {
		t.Errorf("the worker went on to the next step after the abort: %v", got)
	}
}
