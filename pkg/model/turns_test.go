package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestTurnsValidate(t *testing.T) {
	at := time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)
	good := Turns{ID: 7, Step: 5, Done: 2, Open: 3, Soak: &TurnSoak{Upto: 5, At: at, After: 10}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := map[string]func(*Turns){
		"id":         func(t *Turns) { t.ID = 0 },
		"step":       func(t *Turns) { t.Step = -1 },
		"done":       func(t *Turns) { t.Done = -1 },
		"open":       func(t *Turns) { t.Open = 1 },
		"upto":       func(t *Turns) { t.Soak.Upto = 3 },
		"soak at":    func(t *Turns) { t.Soak.At = time.Time{} },
		"soak after": func(t *Turns) { t.Soak.After = -1 },
	}
	for want, mod := range tests {
		tu := good
		soak := *good.Soak
		tu.Soak = &soak
		mod(&tu)
		if err := tu.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
}

// TestTurnsOpensAndOrder: what a record opens, which barrier it is of,
// and when one says less than another.
func TestTurnsOpensAndOrder(t *testing.T) {
	at := time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)
	tu := Turns{ID: 7, Step: 5, Done: 2, Open: 3, Soak: &TurnSoak{Upto: 5, At: at, After: 10}}
	// A soak's turns are not open until a record opens them.
	for pos, want := range []bool{true, true, true, false, false, false, false} {
		if got := tu.Opens(pos); got != want {
			t.Errorf("Opens(%d) = %v, want %v", pos, got, want)
		}
	}
	if !tu.For(Barrier{ID: 7, Step: 5}) || tu.For(Barrier{ID: 7, Step: 5, Canary: true}) || tu.For(Barrier{ID: 7, Step: 4}) {
		t.Error("For: a record is of the barrier of its id, step and phase only")
	}
	less := Turns{ID: 7, Step: 5, Done: 2, Open: 2}
	if !less.Behind(tu) || tu.Behind(less) || tu.Behind(tu) {
		t.Error("Behind: fewer open is behind; the same is not")
	}
	copied := tu
	soak := *tu.Soak
	copied.Soak = &soak
	if !tu.Equal(copied) || tu.Equal(less) {
		t.Error("Equal compares values, the soak's too")
	}
	copied.Soak.At = at.Add(time.Second)
	if tu.Equal(copied) {
		t.Error("Equal: another soak time")
	}
}

func TestRollingTurnInAReport(t *testing.T) {
	w := WorkerStatus{ID: 3, Step: 5, Cond: CondRunning, Turn: &RollingTurn{MaxUnavailable: 100, Soak: Duration(5 * time.Minute)}}
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"turn":{"max_unavailable":100,"soak":"5m0s"}`) {
		t.Errorf("encoded %s", b)
	}
	var got WorkerStatus
	if err := json.Unmarshal(b, &got); err != nil || got.Validate() != nil || *got.Turn != *w.Turn {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	w.Turn = &RollingTurn{}
	if err := w.Validate(); err == nil {
		t.Error("a turn of max-unavailable 0 accepted")
	}
	if err := json.Unmarshal([]byte(`{"id":3,"cond":"running","turn":{"max_unavailable":1,"soak":"soon"}}`), &got); err == nil {
		t.Error("a soak that is no duration accepted")
	}
}
