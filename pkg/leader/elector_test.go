package leader

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestNewAppliesDefaults(t *testing.T) {
	c := srv.Client(t)
	type settings struct {
		Prefix string
		TTL    int64
		Resign time.Duration
	}
	tests := []struct {
		name string
		o    Options
		want settings
	}{
		{"defaults", Options{Key: "/neco/leader/updater/"}, settings{"/neco/leader/updater", 10, 5 * time.Second}},
		{"no trailing slash", Options{Key: "/neco/leader/worker"}, settings{"/neco/leader/worker", 10, 5 * time.Second}},
		{"ttl rounds up", Options{Key: "/k", TTL: 1500 * time.Millisecond}, settings{"/k", 2, 5 * time.Second}},
		{"ttl rounds down", Options{Key: "/k", TTL: 2400 * time.Millisecond}, settings{"/k", 2, 5 * time.Second}},
		{"ttl at least 1s", Options{Key: "/k", TTL: 100 * time.Millisecond}, settings{"/k", 1, 5 * time.Second}},
		{"negative ttl", Options{Key: "/k", TTL: -time.Second}, settings{"/k", 10, 5 * time.Second}},
		{"resign timeout", Options{Key: "/k", ResignTimeout: time.Second}, settings{"/k", 10, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Client, tt.o.Name = c, "boot-0"
			e, err := New(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			got := settings{e.prefix, e.ttl, e.resignTimeout}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	c := srv.Client(t)
	tests := map[string]Options{
		"no client": {Key: "/k/", Name: "a"},
		"no key":    {Client: c, Name: "a"},
		"root key":  {Client: c, Key: "/", Name: "a"},
		"no name":   {Client: c, Key: "/k/"},
	}
	for name, o := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := New(o); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("New = %v, want ErrInvalidOptions", err)
			}
		})
	}
}

func TestTermNamesTheElectionKey(t *testing.T) {
	g := newGroup(t, 2*time.Second)
	g.start("boot-0", holdUntilDone)
	h := g.nextTerm(5 * time.Second)

	resp, err := g.client.Get(context.Background(), g.key, clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 {
		t.Fatalf("%d keys under the election prefix, want 1", len(resp.Kvs))
	}
	kv := resp.Kvs[0]
	want := Term{
		Key:      fmt.Sprintf("%s%x", g.key, kv.Lease), // directly under the prefix
		Revision: kv.CreateRevision,
		Name:     "boot-0",
	}
	if diff := cmp.Diff(want, h.term); diff != "" {
		t.Errorf("term (-want +got):\n%s", diff)
	}
	if string(kv.Value) != "boot-0" {
		t.Errorf("election key value %q, want the candidate name", kv.Value)
	}
}
