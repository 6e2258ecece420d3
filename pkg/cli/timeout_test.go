package cli

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTimeoutNamesTheFlag: an etcd that accepts connections and never
// answers is given up on after --timeout, and the error names that value,
// not the dial probe's own bound.
func TestTimeoutNamesTheFlag(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		var held []net.Conn // never answered, closed with the listener's test
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	path := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(path, []byte("etcd: {endpoints: [http://"+l.Addr().String()+"]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := SystemEnv()
	var out, errb syncBuffer
	env.Stdout, env.Stderr, env.Getenv = &out, &errb, func(string) string { return "" }
	code := Execute(t.Context(), env, []string{"--config", path, "--timeout", "300ms", "status"})
	if code == 0 || !strings.Contains(errb.String(), "within --timeout 300ms") || strings.Contains(errb.String(), "5s") {
		t.Errorf("exit %d, stderr %q: want a failure naming --timeout 300ms", code, errb.String())
	}
}
