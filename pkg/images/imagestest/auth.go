package imagestest

import (
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/crypto/bcrypt"
)

// AuthRealm is the basic-auth realm of StartAuthRegistry's registry.
const AuthRealm = "neco-test"

// StartAuthRegistry runs docker-registry as StartRegistry does, but it
// serves nothing, pulls included, without HTTP basic auth as one of users
// (name -> password), checked against an htpasswd file of bcrypt hashes:
// docker-registry's own auth, as a private registry runs it. It returns
// the registry's host:port. It speaks plain HTTP on loopback, like
// StartRegistry's.
func StartAuthRegistry(t testing.TB, users map[string]string) string {
	t.Helper()
	needBinary(t, registryBin, "docker-registry")
	var lines []string
	for _, name := range slices.Sorted(maps.Keys(users)) {
		// The cheapest cost bcrypt takes: the registry checks a hash on
		// every request, and tests make many.
		hash, err := bcrypt.GenerateFromPassword([]byte(users[name]), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, name+":"+string(hash))
	}
	path := writeFile(t, t.TempDir(), "htpasswd", strings.Join(lines, "\n")+"\n")
	auth := fmt.Sprintf("auth:\n  htpasswd:\n    realm: %s\n    path: %s\n", AuthRealm, filepath.Clean(path))
	return startRegistry(t, auth, http.StatusUnauthorized)
}

// PushAs pushes Image(files) to registry (host:port) as repo:tag,
// authenticating as user, and returns the manifest digest.
func PushAs(t testing.TB, registry, user, password, repo, tag string, files map[string]string) string {
	t.Helper()
	d, err := Push(registry+"/"+repo+":"+tag, files,
		remote.WithAuth(&authn.Basic{Username: user, Password: password}))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
