package images

import (
	"net/http"
	"slices"

	"github.com/containerd/containerd/remotes"
	"github.com/containerd/containerd/remotes/docker"
)

// newResolver is the registry client of one pull: HTTPS except for the
// plainHTTP hosts, each mirror tried before its origin, each host's own
// credentials (hostAuthorizer), anonymous bearer tokens elsewhere (what
// public registries such as ghcr.io demand even for public images), all
// over t, the Puller's transport for the current Access.
func newResolver(plainHTTP []string, mirrors map[string]string, creds map[string]Credential, t http.RoundTripper) remotes.Resolver {
	plain := slices.Clone(plainHTTP)
	authz := newAuthorizer(creds, tokenClient(t))
	origin := docker.ConfigureDefaultRegistries(
		docker.WithAuthorizer(authz),
		docker.WithClient(registryClient(t, authz)),
		docker.WithPlainHTTP(func(host string) (bool, error) {
			return slices.Contains(plain, host), nil
		}),
	)
	mirrorOf := make(map[string]string, len(mirrors))
	for from, to := range mirrors {
		mirrorOf[from] = to
	}
	hosts := func(host string) ([]docker.RegistryHost, error) {
		own, err := origin(host)
		if err != nil {
			return nil, err
		}
		m, ok := mirrorOf[host]
		if !ok {
			return own, nil
		}
		mirror, err := origin(m)
		if err != nil {
			return nil, err
		}
		// A mirror is only read from; containerd skips a host that
		// fails and tries the next one.
		for i := range mirror {
			mirror[i].Capabilities = docker.HostCapabilityPull | docker.HostCapabilityResolve
		}
		return append(mirror, own...), nil
	}
	return docker.NewResolver(docker.ResolverOptions{Hosts: hosts})
}
