package images

// Constant log field keys, so every line of this package is greppable.
const (
	keyRef     = "ref"
	keyDigest  = "digest"
	keyStored  = "stored_digest"
	keyElapsed = "elapsed"
	keyReason  = "reason"

	keyCredentialHosts = "credential_hosts"
	keyProxy           = "proxy"
	keyNoProxy         = "no_proxy"
)
