//go:build dctest

package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// The run's network: a namespace dct-ID-br holding the bridge br0 (with
// HostIP, where host services listen), and per server a namespace dct-ID-N
// whose eth0 is a veth pair with vethN on the bridge. The addresses exist
// only inside these namespaces; nothing is routed to or from the host.
const (
	// Subnet is the private /24 of every run (each run has its own
	// namespaces, so concurrent runs do not collide on it).
	Subnet = "10.213.0.0/24"
	// HostIP is the bridge's address: host services listen on it.
	HostIP = "10.213.0.254"
)

// ServerIP is the address of the server of LRN i.
func ServerIP(i int) string { return fmt.Sprintf("10.213.0.%d", i+1) }

const netnsDir = "/run/netns"

// Network is the bridge and the servers' links of one run.
type Network struct {
	id string
	n  int
}

// newNetwork creates the bridge namespace and n server namespaces. On
// error, what was created is left for the run's teardown.
func newNetwork(ctx context.Context, id string, n int) (*Network, error) {
	nw := &Network{id: id, n: n}
	br := nw.BridgeNamespace()
	steps := [][]string{
		{"ip", "netns", "add", br},
		{"ip", "-n", br, "link", "set", "lo", "up"},
		{"ip", "-n", br, "link", "add", "br0", "type", "bridge"},
		{"ip", "-n", br, "addr", "add", HostIP + "/24", "dev", "br0"},
		{"ip", "-n", br, "link", "set", "br0", "up"},
	}
	for i := range n {
		ns, veth := nw.Namespace(i), fmt.Sprintf("veth%d", i)
		steps = append(steps,
			[]string{"ip", "netns", "add", ns},
			[]string{"ip", "-n", ns, "link", "set", "lo", "up"},
			[]string{"ip", "-n", br, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns},
			[]string{"ip", "-n", br, "link", "set", veth, "master", "br0", "up"},
			[]string{"ip", "-n", ns, "addr", "add", ServerIP(i) + "/24", "dev", "eth0"},
			[]string{"ip", "-n", ns, "link", "set", "eth0", "up"},
		)
	}
	for _, argv := range steps {
		if _, err := runHost(ctx, argv...); err != nil {
			return nil, fmt.Errorf("network: %w", err)
		}
	}
	return nw, nil
}

// BridgeNamespace is the name of the bridge's network namespace (for ip
// netns exec, nsenter --net=/run/netns/NAME).
func (nw *Network) BridgeNamespace() string { return namePrefix + nw.id + "-br" }

// Namespace is the name of the network namespace of the server of LRN i.
func (nw *Network) Namespace(i int) string { return fmt.Sprintf("%s%s-%d", namePrefix, nw.id, i) }

// Cut takes the link of server i down at the bridge: the server keeps its
// address but reaches nobody, and nobody reaches it.
func (nw *Network) Cut(ctx context.Context, i int) error {
	return nw.setLink(ctx, i, "down")
}

// Restore brings the link of server i back up.
func (nw *Network) Restore(ctx context.Context, i int) error {
	return nw.setLink(ctx, i, "up")
}

func (nw *Network) setLink(ctx context.Context, i int, state string) error {
	if i < 0 || i >= nw.n {
		return fmt.Errorf("network: no server %d", i)
	}
	_, err := runHost(ctx, "ip", "-n", nw.BridgeNamespace(), "link", "set", fmt.Sprintf("veth%d", i), state)
	return err
}

// runNamespaces lists the network namespaces made by runs (dct-ID-*).
func runNamespaces() ([]string, error) {
	ents, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if idOf(e.Name()) != "" {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// deleteNamespaces deletes the network namespaces of run id. Processes
// still in one keep it alive (without its name) until they exit; the
// teardown kills them first.
func deleteNamespaces(ctx context.Context, id string) error {
	names, err := runNamespaces()
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		if idOf(n) != id {
			continue
		}
		if _, err := runHost(ctx, "ip", "netns", "del", n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// namespaceInodes returns "net:[INODE]" (as /proc/PID/ns/net reads) for
// each network namespace of run id.
func namespaceInodes(id string) (map[string]bool, error) {
	names, err := runNamespaces()
	if err != nil {
		return nil, err
	}
	links := map[string]bool{}
	for _, n := range names {
		if idOf(n) != id {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(filepath.Join(netnsDir, n), &st); err != nil {
			continue
		}
		links[fmt.Sprintf("net:[%d]", st.Ino)] = true
	}
	return links, nil
}

// netnsPath is the bind mount ip netns made for a namespace name.
func netnsPath(name string) string {
	if strings.Contains(name, "/") {
		return name
	}
	return filepath.Join(netnsDir, name)
}
