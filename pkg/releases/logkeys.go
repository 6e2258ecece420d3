package releases

// Constant log field keys, so every line of this package is greppable.
const (
	keyWhat    = "what"
	keyAttempt = "attempt"
	keyWait    = "wait"
	keyTag     = "tag"
	keyRepo    = "repo"
	keyAction  = "action"
	keyReason  = "reason"
)
