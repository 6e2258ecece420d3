package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// secretPassword stands for a password in the tests below; no error may
// carry it, nor the username beside it.
const (
	secretPassword = "s3cretPW"
	secretUser     = "robotUser"
)

func TestParseRegistryCredentials(t *testing.T) {
	pw := secretPassword
	tests := []struct {
		name, value string
		want        map[string]RegistryCredential
		wantErr     string
	}{
		{name: "two registries", value: "registry.example:\n  username: robot\n  password: " + pw +
			"\n127.0.0.1:5000: {username: a, password: 'b c:d'}\n\"[::1]:5000\": {username: x, password: \"0x10\"}\n",
			want: map[string]RegistryCredential{
				"registry.example": {"robot", pw}, "127.0.0.1:5000": {"a", "b c:d"}, "[::1]:5000": {"x", "0x10"}}},
		{name: "JSON is YAML", value: `{"ghcr.io": {"username": "u", "password": "` + pw + `"}}`,
			want: map[string]RegistryCredential{"ghcr.io": {"u", pw}}},
		{name: "password not a number", value: "r.example: {username: u, password: 0010}",
			want: map[string]RegistryCredential{"r.example": {"u", "0010"}}},
		{name: "missing password", value: "registry.example: {username: " + secretUser + "}",
			wantErr: "registry.example: password: missing or empty"},
		{name: "null password", value: "registry.example: {username: u, password: ~}",
			wantErr: "registry.example: password: missing or empty"},
		{name: "empty username", value: "registry.example: {username: '', password: " + pw + "}",
			wantErr: "registry.example: username: missing or empty"},
		{name: "colon in username", value: "r.example: {username: 'a:" + secretUser + "', password: " + pw + "}",
			wantErr: `r.example: username: must not contain ":"`},
		{name: "line break in password", value: "r.example:\n  username: u\n  password: |\n    " + pw + "\n    more\n",
			wantErr: "r.example: password: holds a control character or line break (value not shown: it is secret)"},
		{name: "password as a stray key", value: "r.example: {username: u, " + pw + "}",
			wantErr: "r.example: line 1, column 26: unknown field; want only username and password"},
		{name: "misspelt field", value: "r.example:\n  user: u\n  password: " + pw,
			wantErr: "r.example: line 2, column 3: unknown field; want only username and password"},
		{name: "field twice", value: "r.example: {username: u, password: " + pw + ", password: " + pw + "}",
			wantErr: "r.example: password: given twice (line 1)"},
		{name: "host twice", value: "r.example: {username: u, password: p}\nr.example: {username: v, password: q}",
			wantErr: "r.example: listed twice (line 2)"},
		{name: "URL as host", value: "https://r.example: {username: u, password: " + pw + "}",
			wantErr: "line 1: a key is not a registry host or host:port in lowercase, as refs spell it (no scheme, no path)"},
		{name: "uppercase host", value: "R.example: {username: u, password: " + pw + "}",
			wantErr: "line 1: a key is not a registry host or host:port in lowercase, as refs spell it (no scheme, no path)"},
		{name: "bad port", value: "r.example:99999: {username: u, password: " + pw + "}",
			wantErr: "line 1: a key is not a registry host or host:port in lowercase, as refs spell it (no scheme, no path)"},
		{name: "password where a mapping belongs", value: "r.example: " + pw,
			wantErr: "r.example: line 1: want a mapping with username and password"},
		{name: "list", value: "- r.example\n- " + pw,
			wantErr: "line 1: want a mapping of registry host[:port] to {username, password}"},
		{name: "tagged password", value: "r.example: {username: u, password: !!binary " + pw + "}",
			wantErr: "r.example: password: line 1: no YAML tags here"},
		{name: "alias", value: "r.example: {username: &u " + secretUser + ", password: *u}",
			wantErr: "r.example: password: line 1: want a string"},
		{name: "syntax error", value: "r.example: {username: u, password: " + pw + "\n",
			wantErr: "line 1: not valid YAML (details not shown: the value is secret)"},
		{name: "two documents", value: "r.example: {username: u, password: " + pw + "}\n---\nx: y\n",
			wantErr: "more than one YAML document"},
		{name: "empty mapping", value: "{}", wantErr: "no registries: to remove every credential, unset the key"},
		{name: "too large", value: "r.example: {username: u, password: " + strings.Repeat("p", 70<<10) + "}",
			wantErr: fmt.Sprintf("%d bytes, want at most 65536", 70<<10+36)},
		{name: "password too long", value: "r.example: {username: u, password: " + strings.Repeat("p", 17<<10) + "}",
			wantErr: "r.example: password: longer than 16384 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRegistryCredentials(tt.value)
			checkErr(t, err, tt.wantErr, "")
			if err != nil {
				for _, s := range []string{secretPassword, secretUser} {
					if strings.Contains(err.Error(), s) {
						t.Errorf("error %q shows a credential", err)
					}
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("credentials (-want +got):\n%s", diff)
			}
		})
	}
}

// The key is wired into the registry: a secret, multi-line value whose
// errors name the key and the host, and which Redact never shows.
func TestRegistryCredentialsKey(t *testing.T) {
	k, ok := LookupKey("registry-credentials")
	if !ok || !k.Secret || !k.MultiLine {
		t.Fatalf("registry-credentials: %+v, %v; want a secret multi-line key", k, ok)
	}
	value := "r.example:\n  username: " + secretUser + "\n  password: " + secretPassword + "\n"
	c, _, err := ParseCluster(map[string]string{"registry-credentials": value})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]RegistryCredential{"r.example": {secretUser, secretPassword}}; !cmp.Equal(want, c.RegistryCredentials) {
		t.Errorf("RegistryCredentials = %v", c.RegistryCredentials)
	}
	if got := Redact("registry-credentials", value); got != Redacted {
		t.Errorf("Redact shows %q", got)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, c); strings.Contains(s, secretPassword) {
			t.Errorf("%s of the Cluster shows the password: %s", verb, s)
		}
	}
	err = ValidateValue("registry-credentials", "r.example: {username: u}")
	checkErr(t, err, "registry-credentials: r.example: password: missing or empty", "")
}

func TestParseNoProxy(t *testing.T) {
	tests := []struct {
		value, want, wantErr string
	}{
		{value: "mirror.example", want: "mirror.example"},
		{value: " .corp.example , 10.0.0.0/8,192.0.2.1, ::1 ,*.svc:5000, [fd00::1]:443, Mirror.Example ",
			want: ".corp.example,10.0.0.0/8,192.0.2.1,::1,*.svc:5000,[fd00::1]:443,Mirror.Example"},
		{value: "*", want: "*"},
		{value: "a.example,,b.example", wantErr: "entry 2: empty"},
		{value: "10.0.0.0/33", wantErr: `entry 1: "10.0.0.0/33": not a CIDR such as 10.0.0.0/8`},
		{value: "http://mirror.example", wantErr: `entry 1: "http://mirror.example": not a CIDR such as 10.0.0.0/8`},
		{value: "mirror example", wantErr: `entry 1: "mirror example": want *, an IP, a CIDR, or a host or .domain with an optional :port`},
		{value: "*mirror.example", wantErr: `entry 1: "*mirror.example": want *, an IP, a CIDR, or a host or .domain with an optional :port`},
		{value: "m.example:0", wantErr: `entry 1: "m.example:0": want *, an IP, a CIDR, or a host or .domain with an optional :port`},
		{value: strings.Repeat("a,", 3000), wantErr: "6000 bytes, want at most 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, err := parseNoProxy(tt.value)
			checkErr(t, err, tt.wantErr, "")
			if got != tt.want {
				t.Errorf("parseNoProxy = %q, want %q", got, tt.want)
			}
			// ParseCluster names the etcd key.
			_, _, perr := ParseCluster(map[string]string{"no-proxy": tt.value})
			if tt.wantErr != "" {
				checkErr(t, perr, "config/no-proxy: "+tt.wantErr, "")
			}
		})
	}
}
