package etcdmember

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/etcdconn"
	"github.com/necoship/neco/pkg/etcdtest"
)

func TestMemberKeepsDataAcrossRestarts(t *testing.T) {
	ctx := t.Context()
	l := etcdtest.EmbeddedLocal(t)
	dataDir, e := l.DataDir, l.Etcd

	m, err := StartMember(ctx, dataDir, e, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	c, err := etcdconn.Dial(ctx, l, etcdconn.DialOptions{})
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "/neco/config/env", "staging"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	m.Close()
	if _, err := os.Stat(filepath.Join(dataDir, "etcd", "member")); err != nil {
		t.Fatalf("member data not under data-dir/etcd: %v", err)
	}

	m, err = StartMember(ctx, dataDir, e, zap.NewNop())
	if err != nil {
		t.Fatalf("restart on the same data: %v", err)
	}
	defer m.Close()
	c, err = etcdconn.Dial(ctx, l, etcdconn.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := c.Get(ctx, "/neco/config/env")
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "staging" {
		t.Fatalf("after restart got %v, want the value written before", resp.Kvs)
	}
}

func TestMemberWaitEndsWithContext(t *testing.T) {
	l := etcdtest.EmbeddedLocal(t)
	m, err := StartMember(t.Context(), l.DataDir, l.Etcd, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- m.Wait(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Wait after cancel = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return after cancel")
	}
}

func TestMemberPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	local := etcdtest.EmbeddedLocal(t)
	local.Etcd.EmbeddedClientURL = "https://" + l.Addr().String()
	if m, err := StartMember(t.Context(), local.DataDir, local.Etcd, zap.NewNop()); err == nil {
		m.Close()
		t.Fatal("started on a port another process holds")
	} else if !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("error %q does not say the address is in use", err)
	}
}

// TestMemberRequiresCertificates: the embedded member answers root's
// certificate, and refuses a TLS client without one and plain HTTP, on its
// client port and on its peer port.
func TestMemberRequiresCertificates(t *testing.T) {
	l := etcdtest.EmbeddedLocal(t)
	m, err := StartMember(t.Context(), l.DataDir, l.Etcd, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c, err := etcdconn.Dial(t.Context(), l, etcdconn.DialOptions{})
	if err != nil {
		t.Fatalf("Dial with root's certificate: %v", err)
	}
	if _, err := c.Put(t.Context(), "/neco/config/github-token", "ghp_secret"); err != nil {
		t.Fatal(err)
	}
	c.Close()

	for _, raw := range []string{l.Etcd.EmbeddedClientURL, l.Etcd.EmbeddedPeerURL} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(u.Host, func(t *testing.T) {
			if err := getWithoutCertificate(u.Host); err == nil || !strings.Contains(err.Error(), "certificate required") {
				t.Errorf("TLS without a client certificate: %v, want the member to require one", err)
			}
			resp, err := http.Get("http://" + u.Host + "/version")
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					t.Errorf("plain HTTP answered %s: %s", resp.Status, body)
				}
			}
		})
	}
}

// getWithoutCertificate asks for /version over TLS with no client
// certificate; in TLS 1.3 the server's refusal arrives at the first read.
func getWithoutCertificate(host string) error {
	conn, err := tls.Dial("tcp", host, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the refusal is the point
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	if _, err := io.WriteString(conn, "GET /version HTTP/1.1\r\nHost: "+host+"\r\n\r\n"); err != nil {
		return err
	}
	_, err = io.ReadAll(conn)
	return err
}
