package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"golang.org/x/sys/unix"

	"github.com/necoship/neco/pkg/backoff"
	"github.com/necoship/neco/pkg/storage"
)

// redrawDelay is how long a change waits for the rest of its burst: one
// update step changes N worker keys within milliseconds, and one redraw
// for all of them is what a person can read.
const redrawDelay = 200 * time.Millisecond

// The delays between attempts to read a snapshot again after a failed one
// (etcd restarting, quorum lost): the screen keeps the last good state
// meanwhile and the error goes to standard error.
const (
	redrawRetryBase = 500 * time.Millisecond
	redrawRetryMax  = 10 * time.Second
)

// clearScreen moves the cursor home and clears a terminal.
const clearScreen = "\x1b[H\x1b[2J"

// statusWatch redraws status whenever something under the prefix changes.
type statusWatch struct {
	env    Env
	cf     *clusterFlags
	store  *storage.Storage
	asJSON bool
	// terminal: clear the screen before each drawing instead of separating
	// drawings with a blank line.
	terminal bool
	// drawn is the snapshot revision of the last drawing; changes up to it
	// are already on screen.
	drawn int64
	draws int
	// ages ticks while a terminal shows text: the last drawing is drawn
	// again at the clock's time, so that "UPDATED 3s ago" and the running
	// time move while nothing changes in etcd. nil: no ticks.
	ages <-chan time.Time
	last statusJSON
}

// ageRefresh is how often a terminal's drawing is redrawn with its
// relative times updated, without reading etcd.
const ageRefresh = time.Second

func runStatusWatch(cmd *cobra.Command, env Env, cf *clusterFlags, asJSON bool) error {
	// Not bounded: --watch runs until interrupted; each read gets its own
	// --timeout instead.
	ctx, store, done, err := cf.open(cmd, env, false)
	if err != nil {
		return err
	}
	defer done()
	w := &statusWatch{env: env, cf: cf, store: store, asJSON: asJSON, terminal: isTerminal(env.Stdout)}
	if w.terminal && !asJSON {
		t := time.NewTicker(ageRefresh)
		defer t.Stop()
		w.ages = t.C
	}
	err = w.run(ctx)
	if ctx.Err() != nil {
		// Ctrl-C is how a watch ends, not a failure.
		return nil
	}
	return err
}

// run draws, then redraws after every burst of changes until ctx ends. A
// first read that fails ends it (the cluster is unreachable or the config
// wrong); later ones are retried. Only a failed write to stdout ends it
// afterwards.
func (w *statusWatch) run(ctx context.Context) error {
	st, err := w.read(ctx)
	if err != nil {
		return err
	}
	if err := w.print(st); err != nil {
		return err
	}
	for ctx.Err() == nil {
		if err := w.follow(ctx, w.store.Watch(ctx, w.drawn, w.store.Prefix(), true)); err != nil {
			return err
		}
		// The watch ended without ctx: the revisions it needed were
		// compacted (or the client closed). A fresh snapshot holds
		// everything that happened meanwhile; watch again after it.
		if err := w.redraw(ctx); err != nil {
			return err
		}
	}
	return nil
}

// follow redraws once per burst of changes until the watch ends.
func (w *statusWatch) follow(ctx context.Context, events <-chan storage.WatchEvent) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.ages:
			if err := w.print(w.last.at(w.env.Now())); err != nil {
				return err
			}
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if ev.Compacted || ev.Revision <= w.drawn || w.store.Heartbeat(ev) {
				continue
			}
			if !w.settle(ctx, events) {
				return nil
			}
			if err := w.redraw(ctx); err != nil {
				return err
			}
		}
	}
}

// settle waits redrawDelay, dropping the events of the same burst: the
// next drawing reads a snapshot that holds them all. It reports false when
// the watch ended meanwhile.
func (w *statusWatch) settle(ctx context.Context, events <-chan storage.WatchEvent) bool {
	t := time.NewTimer(redrawDelay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case _, ok := <-events:
			if !ok {
				return false
			}
		}
	}
}

// redraw reads until a read succeeds or ctx ends, then prints: a watch
// outlives etcd hiccups instead of exiting in the middle of an incident.
func (w *statusWatch) redraw(ctx context.Context) error {
	retry := backoff.Exponential{Base: redrawRetryBase, Max: redrawRetryMax}
	for attempt := 0; ctx.Err() == nil; attempt++ {
		st, err := w.read(ctx)
		if err == nil {
			return w.print(st)
		}
		if ctx.Err() != nil {
			return nil
		}
		fmt.Fprintf(w.env.Stderr, "neco: %v; retrying\n", w.cf.explain(err))
		if backoff.Sleep(ctx, retry.Delay(attempt)) != nil {
			return nil
		}
	}
	return nil
}

// read reads one status under its own timeout.
func (w *statusWatch) read(ctx context.Context) (statusJSON, error) {
	rctx, cancel := context.WithTimeout(ctx, w.cf.timeout)
	defer cancel()
	return readStatus(rctx, w.store, w.env.Now())
}

// print writes one drawing in one write, so that a reader of the stream
// never sees half of one.
func (w *statusWatch) print(st statusJSON) error {
	w.drawn, w.last = st.Revision, st
	w.draws++
	if w.asJSON {
		// JSON Lines: one compact object per drawing.
		return json.NewEncoder(w.env.Stdout).Encode(st)
	}
	prefix := ""
	switch {
	case w.terminal:
		prefix = clearScreen
	case w.draws > 1:
		prefix = "\n"
	}
	text := fmt.Sprintf("%sneco status at %s, etcd revision %d (Ctrl-C to quit)\n\n%s",
		prefix, formatTime(st.Now), st.Revision, statusText(st, w.env.width()))
	_, err := io.WriteString(w.env.Stdout, text)
	return err
}

// terminalWidth is the width in columns of the terminal f is, 0 when f is
// not one (a pipe, a file): then nothing is cut to fit.
func terminalWidth(f *os.File) int {
	if !isTerminal(f) {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}

// isTerminal reports whether f is a character device (a terminal), which
// gets a cleared screen per redraw and a prompt before reading a secret.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	info, err := file.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
