package model

// Installed is what one server recorded as installed (keys
// install/<LRN>/...): Debian packages by name (the site package, the
// plan's extra packages, neco itself) and image digests by image name.
// No update decision reads it, which is why Snapshot does not carry it;
// `neco status` shows it and `neco plan` compares a release against it.
type Installed struct {
	Debs   map[string]Version
	Images map[string]string
}
