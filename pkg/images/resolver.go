package images

import (
	"slices"

	"github.com/containerd/containerd/remotes"
	"github.com/containerd/containerd/remotes/docker"
)

// newResolver is the registry client every pull shares: HTTPS except for
// the plainHTTP hosts, each mirror tried before its origin, anonymous
// bearer tokens (what public registries such as ghcr.io demand even for
// public images).
func newResolver(plainHTTP []string, mirrors map[string]string) remotes.Resolver {
	plain := slices.Clone(plainHTTP)
	origin := docker.ConfigureDefaultRegistries(
		docker.WithAuthorizer(docker.NewDockerAuthorizer()),
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
