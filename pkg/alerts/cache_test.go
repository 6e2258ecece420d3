package alerts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const oneFiring = `{"status":"success","data":{"alerts":[{"labels":{"alertname":"A"},"state":"firing"}]}}`

type result struct {
	names []string
	err   error
}

func firing(s *Source) result {
	names, err := s.Firing(context.Background())
	return result{names, err}
}

func TestCacheReusesAnswerForCacheFor(t *testing.T) {
	prom := newFakeProm(t, answering(200, oneFiring))
	clock := newFakeClock()
	s := newSource(t, prom.URL, Options{CacheFor: 5 * time.Second, Now: clock.Now})
	want := result{names: []string{"A"}}
	steps := []struct {
		advance  time.Duration
		requests int64
	}{
		{0, 1},                               // the first call asks
		{0, 1},                               // an immediate second one does not
		{5*time.Second - time.Nanosecond, 1}, // nor one just inside CacheFor
		{time.Nanosecond, 2},                 // at CacheFor, the answer is stale
		{time.Second, 2},                     // and the new one is cached again
	}
	for i, st := range steps {
		clock.Advance(st.advance)
		got := firing(s)
		if d := cmp.Diff(want, got, cmp.AllowUnexported(result{})); d != "" {
			t.Errorf("step %d (-want +got):\n%s", i, d)
		}
		if n := prom.requests.Load(); n != st.requests {
			t.Errorf("step %d: %d requests, want %d", i, n, st.requests)
		}
	}
	// A caller changing its copy does not change the cached answer.
	got, _ := s.Firing(context.Background())
	got[0] = "changed"
	if again := firing(s); !cmp.Equal([]string{"A"}, again.names) {
		t.Errorf("cache changed through a returned slice: %v", again.names)
	}
}

func TestCacheReusesError(t *testing.T) {
	var healthy atomic.Bool
	prom := newFakeProm(t, func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			answering(503, "starting")(w, r)
			return
		}
		answering(200, oneFiring)(w, r)
	})
	clock := newFakeClock()
	s := newSource(t, prom.URL, Options{CacheFor: time.Second, Now: clock.Now})
	first := firing(s)
	healthy.Store(true)
	second := firing(s) // within CacheFor: the same error, no request
	if !errors.Is(first.err, ErrStatus) || second.err != first.err || prom.requests.Load() != 1 {
		t.Fatalf("got %v then %v after %d requests, want one ErrStatus twice", first.err, second.err, prom.requests.Load())
	}
	clock.Advance(time.Second)
	if got := firing(s); got.err != nil || !cmp.Equal([]string{"A"}, got.names) || prom.requests.Load() != 2 {
		t.Errorf("after CacheFor: got %v, %v after %d requests, want [A] from a second", got.names, got.err, prom.requests.Load())
	}
}

// newGatedProm answers its first request at once and later ones once
// release is closed.
func newGatedProm(t *testing.T) (*fakeProm, chan struct{}) {
	release := make(chan struct{})
	var served atomic.Int64
	prom := newFakeProm(t, func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) > 1 {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		answering(200, oneFiring)(w, r)
	})
	return prom, release
}

// primeStale makes one request, so that a cached answer exists, and ages it
// past CacheFor. From then on each caller reads the clock once on its way
// to join the request under way, which lets a test see that N callers
// joined before it lets that request finish.
func primeStale(t *testing.T, s *Source, clock *fakeClock) {
	t.Helper()
	if got := firing(s); got.err != nil {
		t.Fatal(got.err)
	}
	clock.Advance(time.Hour)
}

func TestConcurrentCallersShareOneRequest(t *testing.T) {
	prom, release := newGatedProm(t)
	clock := newFakeClock()
	s := newSource(t, prom.URL, Options{Now: clock.Now})
	primeStale(t, s, clock)

	const callers = 50
	base := clock.Reads()
	results := make(chan result, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() { results <- firing(s) })
	}
	waitFor(t, 10*time.Second, "50 callers waiting", func() (bool, string) {
		n := clock.Reads() - base
		return n >= callers, fmt.Sprintf("%d callers", n)
	})
	close(release)
	wg.Wait()
	close(results)
	for got := range results {
		if got.err != nil || !cmp.Equal([]string{"A"}, got.names) {
			t.Errorf("a caller got %v, %v", got.names, got.err)
		}
	}
	if n := prom.requests.Load(); n != 2 {
		t.Errorf("%d requests, want 2 (priming, then one for %d callers)", n, callers)
	}
}

func TestCallerGivingUpDoesNotFailOthers(t *testing.T) {
	prom, release := newGatedProm(t)
	clock := newFakeClock()
	s := newSource(t, prom.URL, Options{Now: clock.Now})
	primeStale(t, s, clock)

	ctx, cancel := context.WithCancel(context.Background())
	base := clock.Reads()
	quitter := make(chan error, 1)
	go func() { _, err := s.Firing(ctx); quitter <- err }()
	stayer := make(chan result, 1)
	go func() { stayer <- firing(s) }()
	waitFor(t, 10*time.Second, "2 callers waiting", func() (bool, string) {
		n := clock.Reads() - base
		return n >= 2, fmt.Sprintf("%d callers", n)
	})
	cancel()
	if err := <-quitter; !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that gave up got %v, want context.Canceled", err)
	}
	close(release)
	if got := <-stayer; got.err != nil || !cmp.Equal([]string{"A"}, got.names) {
		t.Errorf("the caller that waited got %v, %v", got.names, got.err)
	}
	// The cancellation was not cached either: the answer was.
	if got := firing(s); got.err != nil || prom.requests.Load() != 2 {
		t.Errorf("then got %v after %d requests, want the cached [A] after 2", got.err, prom.requests.Load())
	}
}
