package notify

// Constant log field keys, so every line of this package is greppable and
// dashboards do not break on a rename.
const (
	keySender   = "sender"
	keyUpdateID = "update_id"
	keyKind     = "kind"
	keyAttempt  = "attempt"
	keyStatus   = "status"
	keyWait     = "wait"
	keyDropped  = "dropped"
)
