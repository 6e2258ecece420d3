package etcdtest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Cluster is a multi-member etcd on loopback, for the tests that lose
// members: a quorum lost, a member down.
type Cluster struct {
	members []*embed.Etcd
	urls    []string
	mu      sync.Mutex
	stopped map[int]bool
}

// StartCluster runs n members in temporary directories and waits until
// they serve; they are stopped when t ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	cfgs := make([]*embed.Config, n)
	var initial []string
	for i := range cfgs {
		client, peer, err := freeURLs()
		if err != nil {
			t.Fatal(err)
		}
		cfg := embed.NewConfig()
		cfg.Name = fmt.Sprintf("m%d", i)
		cfg.Dir = t.TempDir()
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
		cfg.EnableGRPCGateway = false // see Start
		cfgs[i] = cfg
		initial = append(initial, cfg.Name+"="+peer.String())
	}
	c := &Cluster{stopped: map[int]bool{}}
	t.Cleanup(c.Close)
	for _, cfg := range cfgs {
		cfg.InitialCluster = strings.Join(initial, ",")
		e, err := embed.StartEtcd(cfg)
		if err != nil {
			t.Fatalf("start etcd member %s: %v", cfg.Name, err)
		}
		c.members = append(c.members, e)
		c.urls = append(c.urls, cfg.ListenClientUrls[0].String())
	}
	for _, e := range c.members {
		select {
		case <-e.Server.ReadyNotify():
		case <-time.After(time.Minute):
			t.Fatal("etcd cluster not ready after a minute")
		}
	}
	return c
}

// Endpoints are the members' client URLs.
func (c *Cluster) Endpoints() []string { return c.urls }

// Client returns a client of the given members only, closed when t ends:
// a process whose etcd is one member, or a set of them.
func (c *Cluster) Client(t testing.TB, members ...int) *clientv3.Client {
	t.Helper()
	var eps []string
	for _, i := range members {
		eps = append(eps, c.urls[i])
	}
	cl, err := clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// StopMember stops member i, once.
func (c *Cluster) StopMember(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped[i] {
		c.stopped[i] = true
		c.members[i].Close()
	}
}

// MoveLeader makes member i etcd's raft leader and waits until every
// running member follows it: for the tests that take the raft leader away
// together with a client's only member.
func (c *Cluster) MoveLeader(t testing.TB, i int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	target := uint64(c.members[i].Server.MemberID())
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		lead, agreed := c.leaderLocked()
		switch {
		case agreed && lead == target:
			return
		case agreed && lead != 0:
			for _, m := range c.members {
				if uint64(m.Server.MemberID()) == lead {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					err := m.Server.MoveLeader(ctx, lead, target)
					cancel()
					if err != nil {
						t.Logf("move etcd raft leadership to m%d: %v; trying again", i, err)
					}
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("m%d did not become etcd's raft leader within a minute", i)
}

// leaderLocked is the raft leader every running member names, and whether
// they agree.
func (c *Cluster) leaderLocked() (lead uint64, agreed bool) {
	first := true
	for j, m := range c.members {
		if c.stopped[j] {
			continue
		}
		l := uint64(m.Server.Leader())
		if first {
			lead, first = l, false
		} else if l != lead {
			return 0, false
		}
	}
	return lead, !first
}

// KillMember stops member i without a word to the others, as a crash or a
// cut cable would: a raft leader hands nothing over, and the others elect
// a new one after an election timeout. (StopMember is a clean shutdown,
// which hands raft leadership over first.)
func (c *Cluster) KillMember(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped[i] {
		c.stopped[i] = true
		c.members[i].Server.HardStop()
		c.members[i].Close()
	}
}

// Close stops every member still running.
func (c *Cluster) Close() {
	for i := range c.members {
		c.StopMember(i)
	}
}
