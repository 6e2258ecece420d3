package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// wantPaused checks status/current's paused flag and the acts on it.
func wantPaused(paused bool, acts ...model.OperatorAct) func(t *testing.T, s *seeder) {
	return func(t *testing.T, s *seeder) {
		var u model.Update
		s.decode("status/current", &u)
		want := fixUpdate(false)
		want.Paused, want.Acts = paused, acts
		if diff := cmp.Diff(want, u); diff != "" {
			t.Errorf("status/current (-want +got):\n%s", diff)
		}
	}
}

func TestUpdatePauseResume(t *testing.T) {
	pause := model.OperatorAct{Act: model.ActPause, By: "alice@boot-test", At: testNow, Detail: "incident 42"}
	resume := model.OperatorAct{Act: model.ActResume, By: "alice@boot-test", At: testNow}
	paused := func(s *seeder) {
		u := fixUpdate(false)
		u.Paused, u.Acts = true, []model.OperatorAct{pause}
		s.json("status/current", u)
	}
	window := model.OperatorAct{Act: model.ActPause, By: model.ByReleaseWindow, At: testNow, Detail: "the release window closed"}
	pausedByWindow := func(s *seeder) {
		u := fixUpdate(false)
		u.Paused, u.Acts = true, []model.OperatorAct{window}
		s.json("status/current", u)
	}
	for _, tt := range []commandCase{
		{name: "pause", setup: func(s *seeder) { s.current(false) }, env: alice,
			args:    []string{"update", "pause", "--reason", "incident 42"},
			wantOut: "update 12 to 2026.11.23-1 paused: servers finish the step they are in and start no other; \"neco update resume\" lets it go on\n",
			check:   wantPaused(true, pause)},
		{name: "pause twice changes nothing", setup: paused, env: alice, args: []string{"update", "pause"},
			wantOut: "update 12 to 2026.11.23-1 is already paused\n", check: wantPaused(true, pause)},
		{name: "resume", setup: paused, env: alice, args: []string{"update", "resume"},
			wantOut: "update 12 to 2026.11.23-1 resumed\n", check: wantPaused(false, pause, resume)},
		{name: "an operator's pause takes over the window's", setup: pausedByWindow, env: alice,
			args:    []string{"update", "pause", "--reason", "incident 42"},
			wantOut: "update 12 to 2026.11.23-1 paused: servers finish the step they are in and start no other; \"neco update resume\" lets it go on\n",
			check:   wantPaused(true, window, pause)},
		{name: "resuming the window's pause says it may come back", setup: pausedByWindow, env: alice, args: []string{"update", "resume"},
			wantOut: "update 12 to 2026.11.23-1 resumed\nit was paused outside the release window (release-window-scope whole): " +
				"while the window stays closed, neco-updater pauses it again; \"neco config set release-window-scope start\" lets it run to its end\n",
			check: wantPaused(false, window, resume)},
		{name: "resume a running update changes nothing", setup: func(s *seeder) { s.current(false) }, env: alice,
			args: []string{"update", "resume"}, wantOut: "update 12 to 2026.11.23-1 is not paused\n", check: wantPaused(false)},
		{name: "an ended update cannot be paused",
			setup: func(s *seeder) { s.current(false); s.finished(model.ResultCompleted, 0, "") }, env: alice,
			args:    []string{"update", "pause"},
			wantErr: "neco: pause update 12: it is not running: storage: conflict (only a running update can be paused or resumed; check \"neco status\")\n",
			check:   wantPaused(false)},
		{name: "no update", env: alice, args: []string{"update", "pause"}, wantErr: "neco: no update to pause\n"},
	} {
		t.Run(tt.name, tt.run)
	}
}
