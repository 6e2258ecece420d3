package etcdtest

import (
	"context"
	"os"
	"testing"
)

var srv *Server

func TestMain(m *testing.M) { os.Exit(Main(m, &srv)) }

func TestServerStoresAndPrefixesDiffer(t *testing.T) {
	c := srv.Client(t)
	p1, p2 := Prefix(t), Prefix(t)
	if p1 == p2 {
		t.Fatalf("two prefixes are equal: %s", p1)
	}
	ctx := context.Background()
	if _, err := c.Put(ctx, p1+"k", "v"); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(ctx, p1+"k")
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "v" {
		t.Fatalf("got %v, %v", resp, err)
	}
	if resp, _ := c.Get(ctx, p2+"k"); len(resp.Kvs) != 0 {
		t.Error("prefixes overlap")
	}
}
