package etcdtest

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

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

// StopMember stops member i, once.
func (c *Cluster) StopMember(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped[i] {
		c.stopped[i] = true
		c.members[i].Close()
	}
}

// Close stops every member still running.
func (c *Cluster) Close() {
	for i := range c.members {
		c.StopMember(i)
	}
}
