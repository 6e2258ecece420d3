package access

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/storage"
)

// TestRoles pins the plan for a small site, range by range: a change to
// what a principal may do shows up here as a diff to review.
func TestRoles(t *testing.T) {
	st := storage.New(nil, "/n/")
	read := []Perm{{"/n/", "/n/secret/", Read}, {"/n/secret0", "/n0", Read}}
	got := Roles(st, []int{3, 1, 3}, Principals{Operators: []string{"bob", "alice", "bob"}, Readers: []string{"ro"}})
	want := Plan{
		Roles: []Role{
			{RoleReader, read},
			{RoleOperator, []Perm{
				{"/n/", "/n/secret/", Read},
				{"/n/audit/config/", "/n/audit/config0", Write},
				{"/n/bootservers/", "/n/bootservers0", Write},
				{"/n/config/", "/n/config0", Write},
				{"/n/history/", "/n/history0", Write},
				{"/n/info/candidate", "", Write},
				{"/n/policy/", "/n/policy0", Write},
				{"/n/request/", "/n/request0", Write},
				{"/n/secret/", "/n/secret0", Write},
				{"/n/secret0", "/n0", Read},
				{"/n/status/current", "", Write},
			}},
			{RoleUpdater, []Perm{
				{"/n/", "/n0", Read},
				{"/n/history/", "/n/history0", Write},
				{"/n/info/", "/n/info0", Write},
				{"/n/leader/updater/", "/n/leader/updater0", Write},
				{"/n/request/check", "", Write},
				{"/n/request/rollback", "", Write},
				{"/n/status/barrier", "", Write},
				{"/n/status/current", "", Write},
				{"/n/status/turns", "", Write},
			}},
			{"neco-server-1", serverWant("1")},
			{"neco-server-3", serverWant("3")},
		},
		Users: []User{
			{"root", []string{"root"}},
			{"neco-worker-1", []string{"neco-server-1"}},
			{"neco-updater-1", []string{"neco-updater"}},
			{"neco-worker-3", []string{"neco-server-3"}},
			{"neco-updater-3", []string{"neco-updater"}},
			{"alice", []string{"neco-operator"}},
			{"bob", []string{"neco-operator"}},
			{"ro", []string{"neco-reader"}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Roles (-want +got):\n%s", diff)
	}
}

func serverWant(lrn string) []Perm {
	return []Perm{
		{"/n/", "/n/secret/", Read},
		{"/n/contents/", "/n/contents0", Write},
		{"/n/install/" + lrn + "/", "/n/install/" + lrn + "0", Write},
		{"/n/irreversible/", "/n/irreversible0", Write},
		{"/n/leader/worker/", "/n/leader/worker0", Write},
		{"/n/secret/github-asset-token", "", Read},
		{"/n/secret/registry-credentials", "", Read},
		{"/n/secret0", "/n0", Read},
		{"/n/status/bootservers/" + lrn, "", Write},
	}
}

func TestIsServerName(t *testing.T) {
	for name, want := range map[string]bool{
		"neco-worker-0": true, "neco-updater-12": true, "neco-worker-": false, "neco-worker-1a": false,
		"neco-server-1": false, "alice": false, "root": false, "neco-updater--1": false,
	} {
		if got := IsServerUser(name); got != want {
			t.Errorf("IsServerUser(%q) = %v, want %v", name, got, want)
		}
	}
}
