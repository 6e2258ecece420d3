package units

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var errBus = errors.New("org.freedesktop.DBus.Error.AccessDenied: scripted")

type opFunc func(context.Context, *Manager) error

func start(unit string) opFunc {
	return func(ctx context.Context, m *Manager) error { return m.Start(ctx, unit) }
}

func stop(unit string) opFunc {
	return func(ctx context.Context, m *Manager) error { return m.Stop(ctx, unit) }
}

func restart(unit string) opFunc {
	return func(ctx context.Context, m *Manager) error { return m.Restart(ctx, unit) }
}

func run(name string, argv ...string) opFunc {
	return func(ctx context.Context, m *Manager) error { return m.RunTransient(ctx, name, argv) }
}

func TestJobs(t *testing.T) {
	t.Parallel()
	const etcd = "etcd.service"
	tests := []struct {
		name  string
		op    opFunc
		story story
		// timeout for the operation; zero: 5s, which no case should need.
		timeout time.Duration
		// wantErr is matched with errors.Is; nil wants success.
		wantErr error
		// wantText are substrings of the error.
		wantText  []string
		wantCalls []string
		// wantReads is the number of state reads, when it proves a point.
		wantReads   int
		wantJournal bool
	}{{
		name:      "start: done, then active on two polls",
		op:        start(etcd),
		story:     story{states: []UnitState{dead, running0}, job: "done"},
		wantCalls: []string{"start etcd.service replace"},
		wantReads: 3,
	}, {
		name:      "start: done, activating until active",
		op:        start(etcd),
		story:     story{states: []UnitState{dead, activating, activating, running0}, job: "done"},
		wantCalls: []string{"start etcd.service replace"},
		wantReads: 5,
	}, {
		name:    "start: done, then failed, with the journal",
		op:      start(etcd),
		story:   story{states: []UnitState{dead, crashed}, job: "done"},
		wantErr: ErrUnitFailed,
		wantText: []string{
			"start etcd.service: units: unit failed (failed/failed, result exit-code); journal:\n",
			"journal of etcd.service",
		},
		wantCalls:   []string{"start etcd.service replace"},
		wantJournal: true,
	}, {
		name:        "start: active once, then crashed on the next poll",
		op:          start(etcd),
		story:       story{states: []UnitState{dead, running0, crashed}, job: "done"},
		wantErr:     ErrUnitFailed,
		wantText:    []string{"failed/failed, result exit-code"},
		wantCalls:   []string{"start etcd.service replace"},
		wantJournal: true,
	}, {
		name:      "start: restarted between two active polls needs a third",
		op:        start(etcd),
		story:     story{states: []UnitState{dead, running0, running1, running1}, job: "done"},
		wantCalls: []string{"start etcd.service replace"},
		wantReads: 4,
	}, {
		name:      "start: auto-restart is waited through",
		op:        start(etcd),
		story:     story{states: []UnitState{dead, running0, autoRestart, running1}, job: "done"},
		wantCalls: []string{"start etcd.service replace"},
		wantReads: 5,
	}, {
		name:        "start: exited right away is not running",
		op:          start(etcd),
		story:       story{states: []UnitState{dead, dead}, job: "done"},
		wantErr:     ErrUnitFailed,
		wantText:    []string{"(inactive/dead, result success)"},
		wantCalls:   []string{"start etcd.service replace"},
		wantJournal: true,
	}, {
		name:        "start: job failed",
		op:          start(etcd),
		story:       story{states: []UnitState{dead, crashed}, job: "failed"},
		wantErr:     ErrJobFailed,
		wantText:    []string{"start etcd.service: units: job failed (job result failed; failed/failed, result exit-code); journal:\njournal of etcd.service"},
		wantCalls:   []string{"start etcd.service replace"},
		wantJournal: true,
	}, {
		name:        "start: dependency failed",
		op:          start(etcd),
		story:       story{states: []UnitState{dead}, job: "dependency"},
		wantErr:     ErrJobFailed,
		wantText:    []string{"units: job failed (job result dependency; inactive/dead, result success); journal:"},
		wantCalls:   []string{"start etcd.service replace"},
		wantJournal: true,
	}, {
		name:      "start: queueing the job fails",
		op:        start(etcd),
		story:     story{states: []UnitState{dead}, queueErr: errBus},
		wantErr:   errBus,
		wantText:  []string{"start etcd.service: org.freedesktop.DBus.Error.AccessDenied"},
		wantCalls: []string{"start etcd.service replace"},
	}, {
		name:      "start: job never ends before the deadline, the state is fresh",
		op:        start(etcd),
		story:     story{states: []UnitState{dead, activating}},
		timeout:   50 * time.Millisecond,
		wantErr:   context.DeadlineExceeded,
		wantText:  []string{"start etcd.service: context deadline exceeded (activating/start, result success)"},
		wantCalls: []string{"start etcd.service replace"},
	}, {
		name:     "start: bad unit name",
		op:       start("etcd"),
		wantText: []string{`start: unit name "etcd": want a name with a unit type`},
	}, {
		name:     "restart: not-found is refused before any job",
		op:       restart("nope.service"),
		story:    story{states: []UnitState{notFound}, job: "done"},
		wantErr:  ErrNoUnit,
		wantText: []string{"restart nope.service: units: no such unit (load not-found, inactive/dead)"},
	}, {
		name:      "restart: done, active with a new timestamp",
		op:        restart(etcd),
		story:     story{states: []UnitState{running0, running1}, job: "done"},
		wantCalls: []string{"restart etcd.service replace"},
		wantReads: 3,
	}, {
		name:      "restart: still activating at the deadline",
		op:        restart(etcd),
		story:     story{states: []UnitState{running0, activating}, job: "done"},
		timeout:   100 * time.Millisecond,
		wantErr:   context.DeadlineExceeded,
		wantText:  []string{"restart etcd.service: context deadline exceeded (activating/start, result success)"},
		wantCalls: []string{"restart etcd.service replace"},
	}, {
		name:      "stop: deactivating, then inactive",
		op:        stop(etcd),
		story:     story{states: []UnitState{running0, deactivating, dead}, job: "done"},
		wantCalls: []string{"stop etcd.service replace"},
		wantReads: 3,
	}, {
		name:      "stop: failed after SIGTERM counts as stopped",
		op:        stop(etcd),
		story:     story{states: []UnitState{running0, crashed}, job: "done"},
		wantCalls: []string{"stop etcd.service replace"},
		wantReads: 2,
	}, {
		name:        "stop: running again after the job",
		op:          stop(etcd),
		story:       story{states: []UnitState{running0, running1}, job: "done"},
		wantErr:     ErrNotStopped,
		wantText:    []string{"stop etcd.service: units: unit running again after stop (active/running, result success)"},
		wantCalls:   []string{"stop etcd.service replace"},
		wantJournal: true,
	}, {
		name:     "stop: not-found",
		op:       stop("gone.service"),
		story:    story{states: []UnitState{notFound}},
		wantErr:  ErrNoUnit,
		wantText: []string{"stop gone.service: units: no such unit"},
	}, {
		name:      "run: success",
		op:        run("neco-selfupdate.service", "/usr/bin/dpkg", "-i", "/var/tmp/neco.deb"),
		story:     story{states: []UnitState{notFound}, job: "done"},
		wantCalls: []string{"transient neco-selfupdate.service fail"},
		wantReads: 1,
	}, {
		name:    "run: the command fails, the unit is reset",
		op:      run("neco-selfupdate.service", "/usr/bin/dpkg", "-i", "/var/tmp/neco.deb"),
		story:   story{states: []UnitState{notFound, crashed}, job: "failed"},
		wantErr: ErrJobFailed,
		wantText: []string{
			"run neco-selfupdate.service: units: job failed (job result failed; failed/failed, result exit-code); journal:\n",
			"journal of neco-selfupdate.service",
		},
		wantCalls:   []string{"transient neco-selfupdate.service fail", "reset-failed neco-selfupdate.service"},
		wantJournal: true,
	}, {
		name:      "run: a failed leftover is reset first",
		op:        run("neco-selfupdate.service", "/bin/true"),
		story:     story{states: []UnitState{crashed}, job: "done"},
		wantCalls: []string{"reset-failed neco-selfupdate.service", "transient neco-selfupdate.service fail"},
	}, {
		name:      "run: resetting a leftover fails",
		op:        run("neco-selfupdate.service", "/bin/true"),
		story:     story{states: []UnitState{crashed}, job: "done", resetErr: errBus},
		wantErr:   errBus,
		wantText:  []string{"run neco-selfupdate.service: reset leftover unit: org.freedesktop.DBus.Error.AccessDenied"},
		wantCalls: []string{"reset-failed neco-selfupdate.service"},
	}, {
		name:     "run: still running from before",
		op:       run("neco-selfupdate.service", "/bin/true"),
		story:    story{states: []UnitState{activating}, job: "done"},
		wantErr:  ErrUnitExists,
		wantText: []string{"run neco-selfupdate.service: units: transient unit still running (activating/start, result success)"},
	}, {
		name:      "run: the deadline passes, the command is left running",
		op:        run("neco-selfupdate.service", "/bin/sleep", "100"),
		story:     story{states: []UnitState{notFound, activating}},
		timeout:   50 * time.Millisecond,
		wantErr:   context.DeadlineExceeded,
		wantText:  []string{"run neco-selfupdate.service: context deadline exceeded (activating/start, result success)"},
		wantCalls: []string{"transient neco-selfupdate.service fail"},
	}, {
		name:     "run: relative command",
		op:       run("x.service", "dpkg", "-i"),
		wantText: []string{`run: x.service: command "dpkg": want an absolute path`},
	}, {
		name:     "run: empty command",
		op:       run("x.service"),
		wantText: []string{"run: x.service: empty command"},
	}, {
		name:     "run: not a service name",
		op:       run("x.scope", "/bin/true"),
		wantText: []string{`run: unit name "x.scope": a transient command needs a .service name`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn, rec := scripted(t, tt.story)
			m := NewManager(conn, Options{
				PollInterval: time.Millisecond,
				Journal: func(_ context.Context, unit string, lines int) (string, error) {
					rec.journalFor = append(rec.journalFor, unit)
					if lines != journalLines {
						t.Errorf("journal lines = %d, want %d", lines, journalLines)
					}
					return fmt.Sprintf("journal of %s\nline 2", unit), nil
				},
			})
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			err := tt.op(ctx, m)

			checkResult(t, err, tt.wantErr, tt.wantText)
			if diff := cmp.Diff(tt.wantCalls, rec.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if tt.wantReads != 0 && rec.reads != tt.wantReads {
				t.Errorf("state reads = %d, want %d", rec.reads, tt.wantReads)
			}
			if gotJournal := len(rec.journalFor) > 0; gotJournal != tt.wantJournal {
				t.Errorf("journal read for %v, want read: %v", rec.journalFor, tt.wantJournal)
			}
		})
	}
}

// The transient unit is a oneshot running exactly argv, so that its start
// job lasts as long as the command.
func TestRunTransientProperties(t *testing.T) {
	t.Parallel()
	conn, rec := scripted(t, story{states: []UnitState{notFound}, job: "done"})
	m := NewManager(conn, Options{})
	argv := []string{"/usr/bin/dpkg", "-i", "/var/tmp/neco_1.2.0_amd64.deb"}
	if err := m.RunTransient(context.Background(), "neco-selfupdate.service", argv); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range rec.props {
		got[p.Name] = fmt.Sprintf("%s %v", p.Value.Signature(), p.Value.Value())
	}
	want := map[string]string{
		"Description": "s neco: /usr/bin/dpkg -i /var/tmp/neco_1.2.0_amd64.deb",
		"Type":        "s oneshot",
		// path, argv with argv[0], and false: failures are not ignored
		"ExecStart": "a(sasb) [{/usr/bin/dpkg [/usr/bin/dpkg -i /var/tmp/neco_1.2.0_amd64.deb] false}]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
}

func TestState(t *testing.T) {
	t.Parallel()
	conn, _ := scripted(t, story{states: []UnitState{running0}})
	m := NewManager(conn, Options{})
	got, err := m.State(context.Background(), "etcd.service")
	if err != nil {
		t.Fatal(err)
	}
	want := UnitState{LoadState: "loaded", ActiveState: "active", SubState: "running", Result: "success", MainPID: 42, ActiveSince: t0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
	if s := got.String(); s != "active/running, result success" {
		t.Errorf("String() = %q", s)
	}
}

// A socket has no Service interface to read; a property of an unexpected
// type is an error, not a zero value.
func TestStateDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		unit    string
		props   map[string]any
		want    UnitState
		wantErr string
	}{{
		name:  "socket: unit interface only",
		unit:  "etcd.socket",
		props: map[string]any{"LoadState": "loaded", "ActiveState": "active", "SubState": "listening", "ActiveEnterTimestamp": uint64(0)},
		want:  UnitState{LoadState: "loaded", ActiveState: "active", SubState: "listening"},
	}, {
		name:    "wrong type",
		unit:    "etcd.socket",
		props:   map[string]any{"LoadState": "loaded", "ActiveState": "active", "SubState": "listening", "ActiveEnterTimestamp": "yesterday"},
		wantErr: "state etcd.socket: property ActiveEnterTimestamp: got string, want uint64",
	}, {
		name:    "not a unit",
		unit:    "etcd.socket",
		props:   map[string]any{"Version": "252"},
		wantErr: "state etcd.socket: property LoadState: missing",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn := &FakeConn{t: t, GetUnitPropertiesFunc: func(context.Context, string) (map[string]any, error) {
				return tt.props, nil
			}}
			got, err := NewManager(conn, Options{}).State(context.Background(), tt.unit)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReload(t *testing.T) {
	t.Parallel()
	calls := 0
	conn := &FakeConn{t: t, ReloadFunc: func(context.Context) error {
		calls++
		if calls == 2 {
			return errBus
		}
		return nil
	}}
	m := NewManager(conn, Options{})
	if err := m.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := m.Reload(context.Background())
	if !errors.Is(err, errBus) || !strings.HasPrefix(err.Error(), "daemon-reload: ") {
		t.Errorf("err = %v, want daemon-reload: %v", err, errBus)
	}
}
