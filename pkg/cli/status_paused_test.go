package cli

import (
	"testing"

	"github.com/necoship/neco/pkg/model"
)

// TestStatusPaused: status says who paused the update and what lets it go
// on: an operator's resume, or for the release window's pause the next
// window.
func TestStatusPaused(t *testing.T) {
	at := testNow.UTC()
	for _, tt := range []struct {
		name string
		acts []actJSON
		want string
	}{
		{"by an operator", []actJSON{{Act: string(model.ActPause), By: "bob@boot-1", At: at, Detail: "incident 42"}},
			`by bob@boot-1 at ` + formatTime(at) + `: incident 42; servers start no new step until "neco update resume"`},
		{"by the release window", []actJSON{{Act: string(model.ActPause), By: model.ByReleaseWindow, At: at, Detail: "the release window closed"}},
			"by neco-updater (release window) at " + formatTime(at) + ": the release window closed; servers start no new step until a release window opens"},
		{"the latest pause counts", []actJSON{
			{Act: string(model.ActPause), By: model.ByReleaseWindow, At: at},
			{Act: string(model.ActPause), By: "bob@boot-1", At: at}},
			`by bob@boot-1 at ` + formatTime(at) + `; servers start no new step until "neco update resume"`},
		{"no act recorded", nil, `servers start no new step until "neco update resume"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := pausedText(&statusUpdateJSON{Paused: true, Acts: tt.acts}); got != tt.want {
				t.Errorf("pausedText = %q\nwant          %q", got, tt.want)
			}
		})
	}
}
