package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestUpdateValidate(t *testing.T) {
	good := Update{ID: 1, Version: MustParseVersion("1.0"), Servers: []int{0, 2, 10}, Reason: ReasonUpdate}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := map[string]func(*Update){
		"id":       func(u *Update) { u.ID = 0 },
		"version":  func(u *Update) { u.Version = Version{} },
		"reason":   func(u *Update) { u.Reason = "because" },
		"servers":  func(u *Update) { u.Servers = []int{10, 2} },
		"negative": func(u *Update) { u.Servers = []int{-1} },
	}
	for want, mod := range tests {
		u := good
		u.Servers = append([]int(nil), good.Servers...)
		mod(&u)
		if err := u.Validate(); err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(want, "negative")) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
}

func TestWorkerStatusJSONRoundTrip(t *testing.T) {
	w := WorkerStatus{ID: 3, Version: MustParseVersion("2026.11.23-1"), Step: 2, StepName: "restart etcd.service",
		Cond: CondRunning, UpdatedAt: time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)}
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	var got WorkerStatus
	if err := json.Unmarshal(b, &got); err != nil || got.Validate() != nil || !got.Version.Equal(w.Version) || got.StepName != w.StepName {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	if err := (WorkerStatus{ID: 1, Cond: "sleeping"}).Validate(); err == nil {
		t.Error("unknown cond accepted")
	}
}
