package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.etcd.io/etcd/api/v3/authpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Change is one step Apply took (or, dry, would take), said so that an
// operator can read what the set-up changed.
type Change struct {
	// Subject is "role NAME" or "user NAME".
	Subject string
	// What is the change, e.g. "add", "grant read [a, b)".
	What string
	run  func(ctx context.Context) error
}

func (c Change) String() string { return c.Subject + ": " + c.What }

// Apply makes etcd's users and roles match p and returns what it changed;
// nothing when they already match, so running it again is safe. Roles and
// users that look like neco's per-server ones (neco-server-N,
// neco-worker-N, neco-updater-N) but are not in p are deleted: they belong
// to a server that left. Other users keep roles p does not name. With dry
// set, nothing is changed. The caller must be etcd's root (or auth off).
func Apply(ctx context.Context, a clientv3.Auth, p Plan, dry bool) ([]Change, error) {
	changes, err := diff(ctx, a, p)
	if err != nil {
		return nil, err
	}
	if dry {
		return changes, nil
	}
	for i, c := range changes {
		if err := c.run(ctx); err != nil {
			return changes[:i], fmt.Errorf("%s: %w", c, err)
		}
	}
	return changes, nil
}

// diff reads etcd's auth state and lists the changes that make it p.
func diff(ctx context.Context, a clientv3.Auth, p Plan) ([]Change, error) {
	var out []Change
	for _, r := range p.Roles {
		cs, err := roleChanges(ctx, a, r)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	for _, u := range p.Users {
		cs, err := userChanges(ctx, a, u)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	stale, err := staleChanges(ctx, a, p)
	if err != nil {
		return nil, err
	}
	return append(out, stale...), nil
}

func roleChanges(ctx context.Context, a clientv3.Auth, r Role) ([]Change, error) {
	subject := "role " + r.Name
	var out []Change
	var have []Perm
	resp, err := a.RoleGet(ctx, r.Name)
	switch {
	case errors.Is(err, rpctypes.ErrRoleNotFound):
		out = append(out, Change{Subject: subject, What: "add", run: func(ctx context.Context) error {
			_, err := a.RoleAdd(ctx, r.Name)
			return err
		}})
	case err != nil:
		return nil, fmt.Errorf("get %s: %w", subject, err)
	default:
		for _, kp := range resp.Perm {
			have = append(have, Perm{Key: string(kp.Key), RangeEnd: string(kp.RangeEnd), Type: permType(kp.PermType)})
		}
	}
	for _, h := range have {
		if !slices.ContainsFunc(r.Perms, func(w Perm) bool { return sameRange(h, w) }) {
			out = append(out, Change{Subject: subject, What: "revoke " + h.describe(), run: func(ctx context.Context) error {
				_, err := a.RoleRevokePermission(ctx, r.Name, h.Key, h.RangeEnd)
				return err
			}})
		}
	}
	for _, w := range r.Perms {
		if slices.Contains(have, w) {
			continue
		}
		out = append(out, Change{Subject: subject, What: "grant " + w.describe(), run: func(ctx context.Context) error {
			_, err := a.RoleGrantPermission(ctx, r.Name, w.Key, w.RangeEnd, clientPerm(w.Type))
			return err
		}})
	}
	return out, nil
}

func userChanges(ctx context.Context, a clientv3.Auth, u User) ([]Change, error) {
	subject := "user " + u.Name
	var out []Change
	var have []string
	resp, err := a.UserGet(ctx, u.Name)
	switch {
	case errors.Is(err, rpctypes.ErrUserNotFound):
		// No password: the user authenticates with its certificate.
		out = append(out, Change{Subject: subject, What: "add (certificate only, no password)", run: func(ctx context.Context) error {
			_, err := a.UserAddWithOptions(ctx, u.Name, "", &clientv3.UserAddOptions{NoPassword: true})
			return err
		}})
	case err != nil:
		return nil, fmt.Errorf("get %s: %w", subject, err)
	default:
		have = resp.Roles
	}
	for _, role := range u.Roles {
		if !slices.Contains(have, role) {
			out = append(out, Change{Subject: subject, What: "grant role " + role, run: func(ctx context.Context) error {
				_, err := a.UserGrantRole(ctx, u.Name, role)
				return err
			}})
		}
	}
	if !IsServerUser(u.Name) {
		return out, nil
	}
	// A server's users hold exactly their roles: a worker that was given
	// the updaters' role by hand would read every secret.
	for _, role := range have {
		if !slices.Contains(u.Roles, role) {
			out = append(out, Change{Subject: subject, What: "revoke role " + role, run: func(ctx context.Context) error {
				_, err := a.UserRevokeRole(ctx, u.Name, role)
				return err
			}})
		}
	}
	return out, nil
}

// staleChanges deletes the per-server users and roles of servers that are
// no longer registered.
func staleChanges(ctx context.Context, a clientv3.Auth, p Plan) ([]Change, error) {
	var out []Change
	users, err := a.UserList(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	for _, name := range users.Users {
		if IsServerUser(name) && !slices.ContainsFunc(p.Users, func(u User) bool { return u.Name == name }) {
			out = append(out, Change{Subject: "user " + name, What: "delete (no such server is registered)", run: func(ctx context.Context) error {
				_, err := a.UserDelete(ctx, name)
				return err
			}})
		}
	}
	roles, err := a.RoleList(ctx)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	for _, name := range roles.Roles {
		if strings.HasPrefix(name, serverRolePrefix) && !slices.ContainsFunc(p.Roles, func(r Role) bool { return r.Name == name }) {
			out = append(out, Change{Subject: "role " + name, What: "delete (no such server is registered)", run: func(ctx context.Context) error {
				_, err := a.RoleDelete(ctx, name)
				return err
			}})
		}
	}
	return out, nil
}

// IsServerUser says whether name is one of the per-server users Roles
// derives (neco-worker-N, neco-updater-N).
func IsServerUser(name string) bool {
	for _, p := range []string{workerUserPrefix, updaterUserPrefix} {
		if rest, ok := strings.CutPrefix(name, p); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			return true
		}
	}
	return false
}

func sameRange(a, b Perm) bool { return a.Key == b.Key && a.RangeEnd == b.RangeEnd }

func (p Perm) describe() string {
	if p.RangeEnd == "" {
		return fmt.Sprintf("%s %s", p.Type, p.Key)
	}
	return fmt.Sprintf("%s [%s, %s)", p.Type, p.Key, p.RangeEnd)
}

func permType(t authpb.Permission_Type) PermType {
	switch t {
	case authpb.READ:
		return Read
	case authpb.WRITE:
		return Write
	}
	return ReadWrite
}

func clientPerm(t PermType) clientv3.PermissionType {
	switch t {
	case Read:
		return clientv3.PermissionType(clientv3.PermRead)
	case Write:
		return clientv3.PermissionType(clientv3.PermWrite)
	}
	return clientv3.PermissionType(clientv3.PermReadWrite)
}
