package units

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// UnitState is what systemd says about a unit at one moment.
type UnitState struct {
	// LoadState: loaded, not-found, masked, error, bad-setting.
	LoadState string
	// ActiveState: active, reloading, inactive, failed, activating,
	// deactivating.
	ActiveState string
	// SubState is the type-specific state: running, exited, dead,
	// auto-restart, start, ...
	SubState string
	// Result is how a service last ended: success, exit-code, signal,
	// core-dump, timeout, ... Empty for units that are not services.
	Result string
	// MainPID is a service's main process, 0 when it runs none.
	MainPID uint32
	// ActiveSince is when the unit last entered "active"; zero if never.
	// A change between two polls means the unit was restarted in between.
	ActiveSince time.Time
}

// String reads "failed/failed, result exit-code", with the load state in
// front when the unit is not loaded. Empty for the zero UnitState.
func (s UnitState) String() string {
	if s == (UnitState{}) {
		return ""
	}
	var b strings.Builder
	if s.LoadState != "loaded" && s.LoadState != "" {
		fmt.Fprintf(&b, "load %s, ", s.LoadState)
	}
	fmt.Fprintf(&b, "%s/%s", s.ActiveState, s.SubState)
	if s.Result != "" {
		fmt.Fprintf(&b, ", result %s", s.Result)
	}
	return b.String()
}

// State reads the unit's state. A unit systemd does not know is not an
// error here: its LoadState is "not-found".
func (m *Manager) State(ctx context.Context, unit string) (UnitState, error) {
	if err := checkUnitName(unit); err != nil {
		return UnitState{}, err
	}
	st, err := m.readState(ctx, unit)
	if err != nil {
		return UnitState{}, fmt.Errorf("state %s: %w", unit, err)
	}
	return st, nil
}

// readState reads the Unit interface and, for services, the Service
// interface, where Result and MainPID live.
func (m *Manager) readState(ctx context.Context, unit string) (UnitState, error) {
	props, err := m.conn.GetUnitPropertiesContext(ctx, unit)
	if err != nil {
		return UnitState{}, err
	}
	var st UnitState
	var since uint64
	err = firstError(
		stringProp(props, "LoadState", &st.LoadState),
		stringProp(props, "ActiveState", &st.ActiveState),
		stringProp(props, "SubState", &st.SubState),
		typedProp(props, "ActiveEnterTimestamp", &since),
	)
	if err != nil {
		return UnitState{}, err
	}
	if since != 0 {
		st.ActiveSince = time.UnixMicro(int64(since)).UTC()
	}
	if st.LoadState == "not-found" || !strings.HasSuffix(unit, ".service") {
		return st, nil
	}
	svc, err := m.conn.GetUnitTypePropertiesContext(ctx, unit, "Service")
	if err != nil {
		return UnitState{}, err
	}
	err = firstError(
		typedProp(svc, "Result", &st.Result),
		typedProp(svc, "MainPID", &st.MainPID),
	)
	return st, err
}

// stringProp is typedProp for a property that every unit has: its absence
// means the answer is not a systemd unit's.
func stringProp(props map[string]any, name string, dst *string) error {
	if _, ok := props[name]; !ok {
		return fmt.Errorf("property %s: missing", name)
	}
	return typedProp(props, name, dst)
}

// typedProp stores props[name] in dst when present. A value of another type
// is an error rather than a zero value, so that a systemd that changed a
// property's type is noticed instead of read as "inactive".
func typedProp[T any](props map[string]any, name string, dst *T) error {
	v, ok := props[name]
	if !ok {
		return nil
	}
	t, ok := v.(T)
	if !ok {
		return fmt.Errorf("property %s: got %T, want %T", name, v, *dst)
	}
	*dst = t
	return nil
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// unitTypes are the suffixes systemd gives unit names.
var unitTypes = []string{
	".service", ".socket", ".target", ".timer", ".mount", ".automount",
	".path", ".slice", ".scope", ".swap", ".device",
}

// checkUnitName refuses names systemd would reject or misread, so that a
// typo in a plan reads as such instead of as a D-Bus object path error.
func checkUnitName(unit string) error {
	if unit == "" {
		return errors.New("unit name: empty")
	}
	if strings.ContainsAny(unit, "/ \t\n") {
		return fmt.Errorf("unit name %q: contains a slash or a space", unit)
	}
	for _, suffix := range unitTypes {
		if strings.HasSuffix(unit, suffix) && len(unit) > len(suffix) {
			return nil
		}
	}
	return fmt.Errorf("unit name %q: want a name with a unit type such as .service", unit)
}
