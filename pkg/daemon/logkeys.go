package daemon

// Constant log field keys.
const (
	keyAddr      = "addr"
	keyEndpoints = "endpoints"
	keyWait      = "wait"
)
