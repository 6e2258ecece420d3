package units

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// JournalCtl asks journalctl for exactly the unit's last lines, and an
// error says what journalctl said. A stand-in journalctl on PATH echoes
// its arguments.
func TestJournalCtl(t *testing.T) {
	sh := lookBinary(t, "sh", "dash")
	bin := t.TempDir()
	script := "#!" + sh + `
if [ "$2" = broken.service ]; then echo "No journal files were opened" >&2; exit 1; fi
echo "args: $*"
echo
`
	if err := os.WriteFile(filepath.Join(bin, "journalctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)

	got, err := JournalCtl(context.Background(), "etcd.service", 20)
	if err != nil {
		t.Fatal(err)
	}
	if want := "args: -u etcd.service -n 20 --no-pager -o short-iso"; got != want {
		t.Errorf("JournalCtl = %q, want %q", got, want)
	}

	_, err = JournalCtl(context.Background(), "broken.service", 20)
	if err == nil || !strings.HasPrefix(err.Error(), "journalctl -u broken.service: exit status 1: No journal files were opened") {
		t.Errorf("err = %v, want journalctl's exit status and stderr", err)
	}
}

// A Manager made without a Journal reads journalctl.
func TestManagerDefaultJournal(t *testing.T) {
	sh := lookBinary(t, "sh", "dash")
	bin := t.TempDir()
	script := "#!" + sh + "\necho \"journal of $2\"\n"
	if err := os.WriteFile(filepath.Join(bin, "journalctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	conn, _ := scripted(t, story{states: []UnitState{dead, crashed}, job: "done"})
	err := NewManager(conn, Options{PollInterval: 1}).Start(context.Background(), "etcd.service")
	if err == nil || !strings.HasSuffix(err.Error(), "; journal:\njournal of etcd.service") {
		t.Errorf("err = %v, want journalctl's output at its end", err)
	}
}

// A journal that cannot be read does not hide the unit's failure.
func TestJournalUnavailable(t *testing.T) {
	t.Parallel()
	conn, _ := scripted(t, story{states: []UnitState{dead, crashed}, job: "done"})
	m := NewManager(conn, Options{PollInterval: 1, Journal: func(context.Context, string, int) (string, error) {
		return "", errBus
	}})
	err := m.Restart(context.Background(), "etcd.service")
	want := "restart etcd.service: units: unit failed (failed/failed, result exit-code); journal:\n(journal unavailable: " + errBus.Error() + ")"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}
