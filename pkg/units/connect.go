package units

import (
	"context"
	"fmt"
	"os"
	"strconv"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"
)

// Connect connects to systemd over D-Bus. ctx bounds only the connecting:
// the connection lasts until Close.
func Connect(ctx context.Context, o Options) (*Manager, error) {
	// godbus closes a connection when the context it was dialled with
	// ends, so the connection gets a context of its own, and ctx ending
	// during the dial cancels that one (which also unblocks an
	// authentication handshake stuck on a bus that never answers).
	life, cancel := context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, cancel)
	c, err := dial(life, o.BusAddress)
	if !stop() {
		if c != nil {
			c.Close()
		}
		cancel()
		return nil, fmt.Errorf("connect to systemd: %w", ctx.Err())
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("connect to systemd: %w", err)
	}
	m := NewManager(c, o)
	m.release = cancel
	return m, nil
}

// dial opens go-systemd's pair of connections (calls and signals) to the
// bus at address, or to the system bus when address is empty.
func dial(ctx context.Context, address string) (*sddbus.Conn, error) {
	if address != "" {
		c, err := sddbus.NewConnection(func() (*godbus.Conn, error) {
			return dialBus(ctx, address)
		})
		if err != nil {
			return nil, fmt.Errorf("bus %s: %w", address, err)
		}
		return c, nil
	}
	c, err := sddbus.NewSystemConnectionContext(ctx)
	if err == nil {
		return c, nil
	}
	sysErr := fmt.Errorf("system bus: %w", err)
	if os.Geteuid() != 0 {
		return nil, sysErr
	}
	// Without a bus daemon root can still reach systemd directly, as
	// systemctl does.
	c, err = sddbus.NewSystemdConnectionContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w; systemd private socket: %w", sysErr, err)
	}
	return c, nil
}

// dialBus connects to a bus daemon and introduces itself: EXTERNAL
// authentication with the numeric uid (no user name lookup), then Hello.
func dialBus(ctx context.Context, address string) (*godbus.Conn, error) {
	conn, err := godbus.Dial(address, godbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	auth := []godbus.Auth{godbus.AuthExternal(strconv.Itoa(os.Getuid()))}
	if err := conn.Auth(auth); err != nil {
		conn.Close()
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("hello: %w", err)
	}
	return conn, nil
}
