package cli

import (
	"strings"
	"testing"
)

// TestConfigSetChecksMeaning: values that are well-formed alone but
// unusable, or unsafe with the stored config, are refused before anything
// is stored.
func TestConfigSetChecksMeaning(t *testing.T) {
	const token = "ghp_" + "0123456789abcdef0123456789abcdef0123"
	tests := []struct {
		name    string
		stored  map[string]string // raw keys relative to the prefix
		args    []string
		stdin   string
		wantErr string // "" for success
		key     string // storage key to check: stored only on success
	}{
		{name: "signing keys with garbage after the armor header", args: []string{"signing-keys", "-"},
			stdin:   "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----\n",
			wantErr: "neco: signing-keys: ", key: "config/signing-keys"},
		{name: "a real key", args: []string{"signing-keys", "-"}, stdin: testSigningKeys, key: "config/signing-keys"},
		{name: "plain http API to another host with a token stored", stored: map[string]string{"secret/github-token": token},
			args: []string{"github-api-url", "http://192.0.2.2/"}, wantErr: "neco: github-api-url http://192.0.2.2/: model: a GitHub token would cross the network in clear",
			key: "config/github-api-url"},
		{name: "token with a plain http API to another host stored", stored: map[string]string{"config/github-api-url": "http://192.0.2.2/"},
			args: []string{"github-asset-token"}, stdin: token, wantErr: "neco: github-api-url http://192.0.2.2/: model: a GitHub token",
			key: "secret/github-asset-token"},
		{name: "plain http to this machine with a token", stored: map[string]string{"secret/github-token": token},
			args: []string{"github-api-url", "http://127.0.0.1:8080/"}, key: "config/github-api-url"},
		{name: "plain http to another host without a token", args: []string{"github-api-url", "http://192.0.2.2/"},
			key: "config/github-api-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			c.stdin, c.env = tt.stdin, localConfig(t, "")
			s := seed(c)
			for k, v := range tt.stored {
				s.raw(k, v)
			}
			_, errOut, code := c.run(append([]string{"config", "set"}, tt.args...)...)
			_, stored := s.get(tt.key)
			switch {
			case tt.wantErr == "" && (code != 0 || !stored):
				t.Errorf("exit %d, stderr %q, stored %v: want it stored", code, errOut, stored)
			case tt.wantErr != "" && (code == 0 || !strings.HasPrefix(errOut, tt.wantErr) || stored):
				t.Errorf("exit %d, stderr %q, stored %v: want refused with %q, nothing stored", code, errOut, stored, tt.wantErr)
			}
			if strings.Contains(errOut, token) {
				t.Errorf("stderr shows the token: %q", errOut)
			}
		})
	}
}

// TestStatusConfigChecksSigningKeys: stored signing keys that are not
// OpenPGP keys (written by an older neco, or with etcdctl) show in status
// as a config error, since every update is refused while they stand.
func TestStatusConfigChecksSigningKeys(t *testing.T) {
	garbage := "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----"
	if got := statusConfig(map[string]string{"signing-keys": garbage}).Error; !strings.HasPrefix(got, "config/signing-keys: ") {
		t.Errorf("status config error = %q, want one naming config/signing-keys", got)
	}
	if got := statusConfig(map[string]string{"signing-keys": testSigningKeys}).Error; got != "" {
		t.Errorf("status config error with a real key = %q", got)
	}
}
