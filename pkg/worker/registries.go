package worker

import (
	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/images"
)

// registryAccess is how image pulls reach registries under cfg: the
// credentials of registry-credentials, and proxy with no-proxy. The local
// config's plain-http-registries and registry-mirrors stay in
// images.Options: they belong to the boot server, these to the cluster.
func registryAccess(cfg config.Cluster) images.Access {
	var creds map[string]images.Credential
	if len(cfg.RegistryCredentials) > 0 {
		creds = make(map[string]images.Credential, len(cfg.RegistryCredentials))
		for host, c := range cfg.RegistryCredentials {
			creds[host] = images.Credential{Username: c.Username, Password: c.Password}
		}
	}
	return images.Access{Credentials: creds, Proxy: cfg.Proxy, NoProxy: cfg.NoProxy}
}
