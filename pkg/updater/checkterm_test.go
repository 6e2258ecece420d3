package updater

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/releases"
)

// fakeLister is a ReleaseLister whose answers the test chooses.
type fakeLister struct {
	list     func(ctx context.Context) ([]model.Release, error)
	deployed func(ctx context.Context, tag, environment string) (bool, error)
}

var _ ReleaseLister = (*fakeLister)(nil)

func (f *fakeLister) ListReleases(ctx context.Context) ([]model.Release, error) { return f.list(ctx) }

func (f *fakeLister) DeploymentSucceeded(ctx context.Context, tag, environment string) (bool, error) {
	return f.deployed(ctx, tag, environment)
}

// fakeChecker is a ReleaseChecker whose clients build returns.
func fakeChecker(log *zap.Logger, build func(o releases.Options) (ReleaseLister, error)) *ReleaseChecker {
	c := NewReleaseChecker(log, nil)
	c.newLister = build
	return c
}

// always builds l, whatever the settings.
func always(l ReleaseLister) func(releases.Options) (ReleaseLister, error) {
	return func(releases.Options) (ReleaseLister, error) { return l, nil }
}

func release(tag string) model.Release {
	prefix, v, err := releases.ParseTag(tag)
	if err != nil {
		panic(err)
	}
	return model.Release{Tag: tag, Prefix: prefix, Version: v}
}

// runChecks runs the release checks of a term on now until the test ends.
func runChecks(t *testing.T, c *ReleaseChecker, now func() time.Time) *checkTerm {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ct := c.start(ctx, now)
	t.Cleanup(func() { cancel(); ct.wait() })
	return ct
}

func tellChecks(t *testing.T, ct *checkTerm, cfg map[string]string, force bool) {
	t.Helper()
	if err := ct.tell(t.Context(), clusterConfig(t, cfg), force); err != nil {
		t.Fatal(err)
	}
}

// awaitResult waits until ct has published a result that cond accepts.
func awaitResult(t *testing.T, ct *checkTerm, what string, cond func(*CheckResult) bool) *CheckResult {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		if r := ct.result(); r != nil && cond(r) {
			return r
		}
		select {
		case <-ct.finished():
		case <-timeout:
			t.Fatalf("no release check result %s; the last is %+v", what, ct.result())
		}
	}
}

// checkedAt accepts the result of the check that started at.
func checkedAt(at time.Time) func(*CheckResult) bool {
	return func(r *CheckResult) bool { return r.CheckedAt.Equal(at) }
}

// await receives from c, or fails the test after a while.
func await[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

// signal sends v on c unless c is full: a fake that starts more often
// than the test expects must not hang, the test's wait fails instead.
func signal[T any](c chan<- T, v T) {
	select {
	case c <- v:
	default:
	}
}

// send hands v to a fake, or fails the test after a while.
func send[T any](t *testing.T, c chan<- T, v T, what string) {
	t.Helper()
	select {
	case c <- v:
	case <-time.After(10 * time.Second):
		t.Fatalf("nothing took %s", what)
	}
}

var siteConfig = map[string]string{"env": "production", "github-repo": "example/site"}

func with(kv map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, val := range kv {
		if key != k {
			out[key] = val
		}
	}
	return out
}

func TestCheckWait(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	last := &CheckResult{CheckedAt: t0}
	for _, tt := range []struct {
		name   string
		last   *CheckResult
		forced bool
		now    time.Time
		want   time.Duration
	}{
		{"never checked this term", nil, false, t0, 0},
		{"forced", last, true, t0.Add(time.Second), 0},
		{"within the interval", last, false, t0.Add(20 * time.Second), 40 * time.Second},
		{"the interval has passed", last, false, t0.Add(time.Minute), 0},
		{"long past", last, false, t0.Add(time.Hour), 0},
	} {
		if got := checkWait(tt.last, time.Minute, tt.forced, tt.now); got != tt.want {
			t.Errorf("%s: checkWait = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// A change of a setting that shapes the client cancels the check that
// hangs with the old one and checks with the new one at once. The old
// check, slow to stop, ends while the new one runs: it must neither be
// published nor stop the new one.
func TestClientChangeSupersedesRunningCheck(t *testing.T) {
	hung, newStarted := make(chan context.Context, 1), make(chan struct{}, 1)
	releaseOld, oldReturned, releaseNew := make(chan struct{}), make(chan struct{}), make(chan struct{})
	freeOld := sync.OnceFunc(func() { close(releaseOld) })
	var newChecks atomic.Int64
	build := func(o releases.Options) (ReleaseLister, error) {
		if o.Token == "ghp_old" {
			return &fakeLister{list: func(ctx context.Context) ([]model.Release, error) {
				defer close(oldReturned)
				signal(hung, ctx)
				<-ctx.Done()
				<-releaseOld
				return nil, ctx.Err()
			}}, nil
		}
		return &fakeLister{list: func(ctx context.Context) ([]model.Release, error) {
			newChecks.Add(1)
			signal(newStarted, struct{}{})
			select {
			case <-releaseNew:
				return []model.Release{release("release-1.0")}, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}}, nil
	}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	ct := runChecks(t, fakeChecker(zap.NewNop(), build), clock.Now)
	t.Cleanup(freeOld) // before the term's end waits for the old check
	tellChecks(t, ct, with(siteConfig, "github-token", "ghp_old"), false)
	old := await(t, hung, "check with the old token")

	clock.Advance(time.Second)
	tellChecks(t, ct, with(siteConfig, "github-token", "ghp_new"), false)
	await(t, newStarted, "check with the new token")
	if old.Err() == nil {
		t.Error("the check with the old token still runs")
	}
	freeOld()
	await(t, oldReturned, "end of the old check")
	close(releaseNew)
	r := awaitResult(t, ct, "with the new token", checkedAt(clock.Now()))
	if got := r.Latest(clusterConfig(t, siteConfig)); r.Err != nil || got == nil || got.Tag != "release-1.0" {
		t.Errorf("result %+v (pick %v), want release-1.0 and no error", r, got)
	}
	if n := newChecks.Load(); n != 1 {
		t.Errorf("%d checks with the new token, want 1", n)
	}
}

// A forced check while one runs with the same settings lets it finish,
// then checks again: a check that started before the request must not
// answer it.
func TestForcedCheckFollowsRunningOne(t *testing.T) {
	started, done := make(chan context.Context, 2), make(chan struct{})
	l := &fakeLister{list: func(ctx context.Context) ([]model.Release, error) {
		signal(started, ctx)
		select {
		case <-done:
			return []model.Release{release("release-1.0")}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	t0 := clock.Now()
	ct := runChecks(t, fakeChecker(zap.NewNop(), always(l)), clock.Now)
	tellChecks(t, ct, siteConfig, false)
	first := await(t, started, "first check")

	clock.Advance(time.Second)
	tellChecks(t, ct, siteConfig, true)
	if first.Err() != nil {
		t.Fatal("a forced check cancelled the one running with the same settings")
	}
	send(t, done, struct{}{}, "the first check's answer")
	awaitResult(t, ct, "of the first check", checkedAt(t0))
	await(t, started, "check after the forced one's wait")
	send(t, done, struct{}{}, "the forced check's answer")
	awaitResult(t, ct, "of the forced check", checkedAt(t0.Add(time.Second)))
}

// The checks end with their term, and the check that runs then, slow to
// stop, ends before they do, publishing nothing.
func TestChecksEndWithTheirTerm(t *testing.T) {
	started, stop := make(chan struct{}, 1), make(chan struct{})
	var returned atomic.Bool
	l := &fakeLister{list: func(ctx context.Context) ([]model.Release, error) {
		defer returned.Store(true)
		signal(started, struct{}{})
		<-ctx.Done()
		<-stop
		return nil, ctx.Err()
	}}
	ctx, cancel := context.WithCancel(context.Background())
	ct := fakeChecker(zap.NewNop(), always(l)).start(ctx, time.Now)
	if err := ct.tell(ctx, clusterConfig(t, siteConfig), false); err != nil {
		t.Fatal(err)
	}
	await(t, started, "check")
	cancel()
	select {
	case <-ct.done:
		t.Fatal("the checks ended while their check still ran")
	case <-time.After(100 * time.Millisecond):
	}
	close(stop)
	ct.wait()
	if !returned.Load() {
		t.Error("the checks ended before their running check")
	}
	if r := ct.result(); r != nil {
		t.Errorf("a check stopped by the term's end published %+v", r)
	}
	if err := ct.tell(t.Context(), clusterConfig(t, siteConfig), false); !errors.Is(err, errChecksEnded) {
		t.Errorf("tell after the term: %v, want errChecksEnded", err)
	}
}

// Told once, the checks poll at the interval on their own timer.
func TestChecksPollOnTheirOwn(t *testing.T) {
	var calls atomic.Int64
	l := &fakeLister{list: func(context.Context) ([]model.Release, error) {
		calls.Add(1)
		return nil, nil
	}}
	ct := runChecks(t, fakeChecker(zap.NewNop(), always(l)), time.Now)
	cfg := clusterConfig(t, siteConfig)
	cfg.CheckUpdateInterval = 20 * time.Millisecond // below what config allows, for speed
	if err := ct.tell(t.Context(), cfg, false); err != nil {
		t.Fatal(err)
	}
	awaitResult(t, ct, "of a third check", func(*CheckResult) bool { return calls.Load() >= 3 })
}

// A failure keeps the last good listing; the log says when checks start
// failing, fail differently and recover, not at every failure.
func TestCheckFailuresKeepListingAndLogChanges(t *testing.T) {
	errA, errB := errors.New("releases: unauthorized"), errors.New("releases: rate limited")
	answers := make(chan error, 5)
	for _, err := range []error{nil, errA, errA, errB, nil} {
		answers <- err
	}
	l := &fakeLister{list: func(ctx context.Context) ([]model.Release, error) {
		select {
		case err := <-answers:
			if err != nil {
				return nil, err
			}
			return []model.Release{release("release-1.0")}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}
	core, logs := observer.New(zap.InfoLevel)
	clock := &fakeClock{now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	ct := runChecks(t, fakeChecker(zap.New(core), always(l)), clock.Now)
	cfg := clusterConfig(t, siteConfig)
	for i, want := range []error{nil, errA, errA, errB, nil} {
		clock.Advance(time.Second)
		tellChecks(t, ct, siteConfig, true)
		r := awaitResult(t, ct, "of a forced check", checkedAt(clock.Now()))
		if !errors.Is(r.Err, want) {
			t.Errorf("check %d: error %v, want %v", i, r.Err, want)
		}
		if got := r.Latest(cfg); got == nil || got.Tag != "release-1.0" {
			t.Errorf("check %d: pick %v, want the kept release-1.0", i, got)
		}
	}
	var got []string
	for _, e := range logs.All() {
		if err, ok := e.ContextMap()["error"]; ok {
			e.Message += ": " + fmt.Sprint(err)
		}
		got = append(got, e.Message)
	}
	want := []string{"release check failed: " + errA.Error(), "release check failed: " + errB.Error(), "release checks succeed again"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("logged (-want +got):\n%s", diff)
	}
}

// With require-deployed, each check asks about the pick until it is
// known deployed; a success stays one, and a new pick is asked about.
func TestPromotionAskedUntilDeployed(t *testing.T) {
	var listing atomic.Pointer[[]model.Release]
	var asked atomic.Int64
	deployed := map[string]bool{}
	l := &fakeLister{
		list: func(context.Context) ([]model.Release, error) {
			return *listing.Load(), nil
		},
		deployed: func(_ context.Context, tag, env string) (bool, error) {
			asked.Add(1)
			if env != "staging-tokyo0" {
				return false, errors.New("wrong environment asked")
			}
			return deployed[tag], nil
		},
	}
	listing.Store(&[]model.Release{release("release-1.0")})
	clock := &fakeClock{now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	ct := runChecks(t, fakeChecker(zap.NewNop(), always(l)), clock.Now)
	kv := with(siteConfig, "require-deployed", "staging-tokyo0")
	cfg := clusterConfig(t, kv)
	step := func(wantTag string, wantDeployed bool, wantAsked int64) {
		t.Helper()
		clock.Advance(time.Second)
		tellChecks(t, ct, kv, true)
		r := awaitResult(t, ct, "of a forced check", checkedAt(clock.Now()))
		want := &model.Promotion{Tag: wantTag, Environment: "staging-tokyo0", Deployed: wantDeployed}
		if diff := cmp.Diff(want, r.PromotionFor(cfg), cmp.FilterPath(func(p cmp.Path) bool {
			return p.Last().String() == ".CheckedAt"
		}, cmp.Ignore())); diff != "" || asked.Load() != wantAsked {
			t.Errorf("promotion (-want +got):\n%s; asked %d times, want %d", diff, asked.Load(), wantAsked)
		}
	}
	step("release-1.0", false, 1)
	deployed["release-1.0"] = true // read by the next check, after this write
	step("release-1.0", true, 2)
	step("release-1.0", true, 2) // known deployed: not asked again
	listing.Store(&[]model.Release{release("release-1.0"), release("release-1.1")})
	step("release-1.1", false, 3)

	r := ct.result()
	if p := r.PromotionFor(clusterConfig(t, siteConfig)); p != nil {
		t.Errorf("promotion %+v without require-deployed", p)
	}
	if p := r.PromotionFor(clusterConfig(t, with(siteConfig, "require-deployed", "staging-osaka0"))); p != nil {
		t.Errorf("promotion %+v for another environment", p)
	}
}
