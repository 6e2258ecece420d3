package access

import (
	"slices"
	"strconv"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/storage"
)

// Role names neco manages. A server's role is ServerRole(lrn).
const (
	RoleUpdater  = "neco-updater"
	RoleOperator = "neco-operator"
	RoleReader   = "neco-reader"
	// RoleRoot and UserRoot are etcd's own: auth cannot be enabled
	// without a root user holding the root role.
	RoleRoot = "root"
	UserRoot = "root"
)

// The name prefixes of what Roles derives from the registered servers; a
// role or user with one of them and no registered server is stale.
const (
	serverRolePrefix  = "neco-server-"
	workerUserPrefix  = "neco-worker-"
	updaterUserPrefix = "neco-updater-"
)

// ServerRole is the role of the worker of server lrn.
func ServerRole(lrn int) string { return serverRolePrefix + strconv.Itoa(lrn) }

// WorkerUser is the etcd user (certificate common name) of neco-worker on
// server lrn.
func WorkerUser(lrn int) string { return workerUserPrefix + strconv.Itoa(lrn) }

// UpdaterUser is the etcd user (certificate common name) of neco-updater
// on server lrn. All updaters share one role: whichever is leader writes.
func UpdaterUser(lrn int) string { return updaterUserPrefix + strconv.Itoa(lrn) }

// PermType is what a permission allows on its range.
type PermType string

const (
	Read      PermType = "read"
	Write     PermType = "write"
	ReadWrite PermType = "readwrite"
)

// Perm grants Type on the keys in [Key, RangeEnd); an empty RangeEnd
// means the one key Key.
type Perm struct {
	Key      string
	RangeEnd string
	Type     PermType
}

// Role is an etcd role and everything it grants.
type Role struct {
	Name  string
	Perms []Perm
}

// User is an etcd user without a password (it authenticates with its
// certificate) and the roles neco wants it to hold.
type User struct {
	Name  string
	Roles []string
}

// Plan is the etcd auth state a site should have.
type Plan struct {
	Roles []Role
	Users []User
}

// Principals names the users a Plan covers besides the servers'.
type Principals struct {
	Operators []string
	Readers   []string
}

// Roles derives the plan for the keys of st and the servers lrns.
func Roles(st *storage.Storage, lrns []int, p Principals) Plan {
	read := readAll(st)
	plan := Plan{Roles: []Role{
		{Name: RoleReader, Perms: read},
		{Name: RoleOperator, Perms: merge(read, operatorWrites(st))},
		{Name: RoleUpdater, Perms: merge([]Perm{prefix(st.Prefix(), Read)}, updaterWrites(st))},
	}}
	plan.Users = append(plan.Users, User{Name: UserRoot, Roles: []string{RoleRoot}})
	for _, lrn := range sortedUnique(lrns) {
		plan.Roles = append(plan.Roles, Role{Name: ServerRole(lrn), Perms: merge(read, serverPerms(st, lrn))})
		plan.Users = append(plan.Users,
			User{Name: WorkerUser(lrn), Roles: []string{ServerRole(lrn)}},
			User{Name: UpdaterUser(lrn), Roles: []string{RoleUpdater}})
	}
	for _, name := range sortedUnique(p.Operators) {
		plan.Users = append(plan.Users, User{Name: name, Roles: []string{RoleOperator}})
	}
	for _, name := range sortedUnique(p.Readers) {
		plan.Users = append(plan.Users, User{Name: name, Roles: []string{RoleReader}})
	}
	return plan
}

// readAll reads every key under the prefix except secret/: the two ranges
// on either side of it. etcd checks a range request against the union of
// a role's ranges, so a prefix read of status/ or config/ is allowed and
// one of secret/ (or of the whole prefix) is not.
func readAll(st *storage.Storage) []Perm {
	secret := st.SecretPrefix()
	return []Perm{
		{Key: st.Prefix(), RangeEnd: secret, Type: Read},
		{Key: clientv3.GetPrefixRangeEnd(secret), RangeEnd: clientv3.GetPrefixRangeEnd(st.Prefix()), Type: Read},
	}
}

// operatorWrites are the keys the CLI writes for an operator: membership,
// config and secrets (write only), policy, requests, the abort and recover
// of status/current, approval of the candidate, and the config audit.
// history/ too: `neco recover` of an ended update appends the act to its
// history entry in the transaction that clears stop.
func operatorWrites(st *storage.Storage) []Perm {
	return []Perm{
		prefix(st.HistoryPrefix(), Write),
		prefix(st.BootserverPrefix(), Write),
		prefix(st.ConfigPrefix(), Write),
		prefix(st.SecretPrefix(), Write),
		prefix(st.ConfigAuditPrefix(), Write),
		prefix(st.PolicyPrefix(), Write),
		prefix(st.RequestPrefix(), Write),
		{Key: st.StatusCurrentKey(), Type: Write},
		{Key: st.InfoCandidateKey(), Type: Write},
	}
}

// updaterWrites are what only the updater leader writes (each write is
// fenced on its election key), its election, and the check requests of
// webhook deliveries, which every updater writes.
func updaterWrites(st *storage.Storage) []Perm {
	return []Perm{
		prefix(st.LeaderUpdaterKey(), Write),
		prefix(st.InfoPrefix(), Write),
		{Key: st.StatusCurrentKey(), Type: Write},
		{Key: st.StatusBarrierKey(), Type: Write},
		{Key: st.StatusTurnsKey(), Type: Write},
		prefix(st.HistoryPrefix(), Write),
		// Starting a requested rollback deletes the request.
		{Key: st.RollbackRequestKey(), Type: Write},
		// Any updater passes a webhook delivery on as a check request;
		// the leader deletes it once answered.
		{Key: st.CheckRequestKey(), Type: Write},
	}
}

// serverPerms are what the worker of server lrn writes: its own report
// and install records, the worker election, and what the worker leader
// records of once-steps (any server may become it); and the secrets it
// reads: its download token and the credentials it pulls images with.
func serverPerms(st *storage.Storage, lrn int) []Perm {
	return []Perm{
		{Key: st.WorkerStatusKey(lrn), Type: Write},
		prefix(st.InstallPrefix(lrn), Write),
		prefix(st.LeaderWorkerKey(), Write),
		prefix(st.ContentPrefix(), Write),
		prefix(st.IrreversiblePrefix(), Write),
		{Key: st.SecretKey("github-asset-token"), Type: Read},
		{Key: st.SecretKey("registry-credentials"), Type: Read},
	}
}

func prefix(p string, t PermType) Perm {
	return Perm{Key: p, RangeEnd: clientv3.GetPrefixRangeEnd(p), Type: t}
}

// merge joins permission lists, a range granted both ways becoming
// ReadWrite (etcd keeps one type per range).
func merge(lists ...[]Perm) []Perm {
	var out []Perm
	for _, l := range lists {
		for _, p := range l {
			i := slices.IndexFunc(out, func(o Perm) bool { return o.Key == p.Key && o.RangeEnd == p.RangeEnd })
			switch {
			case i < 0:
				out = append(out, p)
			case out[i].Type != p.Type:
				out[i].Type = ReadWrite
			}
		}
	}
	slices.SortFunc(out, comparePerm)
	return out
}

func comparePerm(a, b Perm) int {
	if a.Key != b.Key {
		if a.Key < b.Key {
			return -1
		}
		return 1
	}
	switch {
	case a.RangeEnd < b.RangeEnd:
		return -1
	case a.RangeEnd > b.RangeEnd:
		return 1
	}
	return 0
}

func sortedUnique[T int | string](in []T) []T {
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}
