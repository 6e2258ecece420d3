package model

import "slices"

// Snapshot is everything the decisions read, as of one etcd revision.
// Storage fills it; decide reads it. Keys whose values did not decode are
// left out and listed in Invalid, so one garbage key never hides the rest.
type Snapshot struct {
	// Revision is the etcd revision the snapshot was read at.
	Revision int64
	// Bootservers are the registered servers by LRN.
	Bootservers map[int]Bootserver
	// Config holds the raw cluster config values by key name.
	Config map[string]string
	// Current is the running or last update; nil before the first one.
	Current *Update
	// Finished is the history entry of Current once it has ended; nil
	// while Current runs (or when there is no Current).
	Finished *HistoryEntry
	// Barrier is the current barrier; nil when none was written.
	Barrier *Barrier
	// Turns is whose rolling turn is open (status/turns); nil when none
	// was written.
	Turns *Turns
	// Workers are the worker reports by LRN.
	Workers map[int]WorkerStatus
	// Seen is the latest release seen (info/release); nil if none.
	Seen *SeenRelease
	// Check is the outcome of the release checks (info/check); nil if
	// none was recorded.
	Check *ReleaseCheck
	// Candidate waits for approval (info/candidate); nil if none.
	Candidate *Candidate
	// Contents are once-step records by name.
	Contents map[string]Content
	// Holds are the held versions, by Version.String().
	Holds map[string]Hold
	// Pin is the version the site is pinned to; nil when not pinned.
	Pin *Hold
	// Rollback is the operator's pending rollback request; nil if none.
	Rollback *RollbackRequest
	// CheckRequest asks for a release check now; nil if none is pending.
	CheckRequest *CheckRequest
	// Promotion is what the updater learned of the pick's deployment to
	// config require-deployed (info/promotion); nil if nothing yet.
	Promotion *Promotion
	// Gate is the alert gate's last state (info/gate); nil before the
	// first answer, or when no gate was ever configured.
	Gate *GateState
	// Irreversible are the irreversible once-steps started for Current's
	// version (irreversible/<version>/), which an automatic rollback must
	// not go past; read by Snapshot, not by WorkerSnapshot.
	Irreversible []IrreversibleRun
	// Invalid lists keys that were present but did not decode or validate.
	Invalid []InvalidKey
}

// InvalidKey names a key whose value was rejected, and why.
type InvalidKey struct {
	Key string
	Err error
}

func (k InvalidKey) Error() string { return k.Key + ": " + k.Err.Error() }

// LRNs returns the registered LRNs sorted numerically.
func (s Snapshot) LRNs() []int {
	out := make([]int, 0, len(s.Bootservers))
	for l := range s.Bootservers {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// Held returns the hold of version v, if any.
func (s Snapshot) Held(v Version) (Hold, bool) {
	h, ok := s.Holds[v.String()]
	return h, ok
}
