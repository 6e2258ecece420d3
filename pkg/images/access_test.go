package images

import (
	"fmt"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// SetAccess keeps the transport, and its connections, while the Access
// stays the same; a new Access gets a new one; a refused Access changes
// nothing.
func TestSetAccess(t *testing.T) {
	p := &Puller{plainHTTP: []string{"mirror.example:5000"}, log: zap.NewNop(), transport: newTransport(Access{}, nil)}
	first := p.transport
	creds := map[string]Credential{"r.example": {"u", "p"}}
	if err := p.SetAccess(Access{Credentials: creds}); err != nil {
		t.Fatal(err)
	}
	second := p.transport
	if second == first {
		t.Error("new credentials kept the transport")
	}
	creds["r.example"] = Credential{"u", "rotated"} // the caller's map is not the Puller's
	if err := p.SetAccess(Access{Credentials: map[string]Credential{"r.example": {"u", "p"}}}); err != nil {
		t.Fatal(err)
	}
	if p.transport != second {
		t.Error("the same Access made a new transport")
	}
	bad := Access{Credentials: map[string]Credential{"mirror.example:5000": {"u", "p"}}}
	if err := p.SetAccess(bad); err == nil || !strings.Contains(err.Error(), "plain HTTP") {
		t.Errorf("SetAccess of credentials for a plain-HTTP host: %v", err)
	}
	if p.transport != second || p.access.Credentials["r.example"].Password != "p" {
		t.Error("a refused Access replaced the current one")
	}
}

// Printing an Access never shows a password.
func TestCredentialIsNotPrinted(t *testing.T) {
	a := Access{Credentials: map[string]Credential{"r.example": {"robot", "secret-pw"}}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, a); strings.Contains(s, "secret-pw") || !strings.Contains(s, "robot") {
			t.Errorf("%s: %s", verb, s)
		}
	}
}
