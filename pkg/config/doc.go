// Package config owns neco's configuration: the local file every boot server
// reads at start (/etc/neco/config.yml, type Local) and the cluster-wide keys
// kept in etcd under config/<name> (type Cluster, key registry in keys.go).
//
// Both follow the same shape: Default, then Parse, then Validate, and every
// error names the field path or etcd key it is about, so an operator can fix
// the input without reading code. Several bad fields are reported together.
//
// The package is pure: it reads only the reader or file it is given, opens no
// connections and logs nothing. Secret values (tokens, webhook URLs) never
// appear in its error messages; callers print values through Redact.
package config
