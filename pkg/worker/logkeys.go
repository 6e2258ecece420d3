package worker

import "github.com/necoship/neco/pkg/daemon"

// Constant log field keys.
const (
	keyUpdateID = daemon.KeyUpdateID
	keyStep     = "step"
	keyStepName = "step_name"
	keyCommand  = "command"
	keyReason   = "reason"
	keyAction   = "action"
	keyTimeout  = "timeout"
	keyWait     = "wait"
	keyLRN      = "lrn"
	keyCond     = "cond"
	keyNote     = "note"
	keyAudit    = "audit"
)
