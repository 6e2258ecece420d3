package deb

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTailBuffer(t *testing.T) {
	tests := []struct {
		writes []string
		want   string
	}{
		{writes: nil, want: ""},
		{writes: []string{"ab"}, want: "ab"},
		{writes: []string{"abcd"}, want: "abcd"},
		{writes: []string{"abcdef"}, want: "cdef"},
		{writes: []string{"ab", "cd", "ef"}, want: "cdef"},
		{writes: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, want: "ghij"},
		{writes: []string{"abc", "defghij", "k"}, want: "hijk"},
	}
	for _, tt := range tests {
		b := tailBuffer{limit: 4}
		for _, w := range tt.writes {
			if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
				t.Fatalf("Write(%q) = %d, %v", w, n, err)
			}
		}
		if got := string(b.Bytes()); got != tt.want {
			t.Errorf("after %q: %q, want %q", tt.writes, got, tt.want)
		}
	}
}

// Exec keeps the end of both streams, where dpkg's errors are.
func TestExecKeepsTheEnd(t *testing.T) {
	script := `head -c 200000 /dev/zero | tr '\0' a; echo END; head -c 100000 /dev/zero | tr '\0' b >&2; echo ERR >&2`
	stdout, stderr, err := Exec(context.Background(), []string{"sh", "-c", script})
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"stdout": stdout, "stderr": stderr} {
		if len(got) != outputLimit {
			t.Errorf("%s kept %d bytes, want %d", name, len(got), outputLimit)
		}
	}
	if !bytes.HasSuffix(stdout, []byte("aaaEND\n")) || !bytes.HasSuffix(stderr, []byte("bbbERR\n")) {
		t.Errorf("lost the end: stdout ...%q, stderr ...%q", stdout[len(stdout)-8:], stderr[len(stderr)-8:])
	}
}

func TestExecCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := Exec(ctx, []string{"sleep", "60"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Exec returned %v after the deadline", d)
	}
}

func TestExecExitCode(t *testing.T) {
	_, stderr, err := Exec(context.Background(), []string{"sh", "-c", "echo boom >&2; exit 3"})
	ce := newCommandError("boom", stderr, err)
	if ce.ExitCode != 3 || ce.Error() != "boom: exit status 3: boom" {
		t.Errorf("CommandError = %+v (%q)", ce, ce)
	}
}

func TestLastLines(t *testing.T) {
	var b strings.Builder
	for i := range 30 {
		b.WriteString(strings.Repeat("x", i) + "  \n\n")
	}
	got := strings.Split(lastLines([]byte(b.String()), 20), "\n")
	if len(got) != 20 || got[0] != strings.Repeat("x", 10) || got[19] != strings.Repeat("x", 29) {
		t.Errorf("lastLines kept %d lines %q ... %q", len(got), got[0], got[len(got)-1])
	}
	if got := lastLines([]byte("dpkg: error processing archive x.deb (--install):\n trying to overwrite 'f'\n"), 20); got != "dpkg: error processing archive x.deb (--install):\n trying to overwrite 'f'" {
		t.Errorf("lastLines lost dpkg's indentation: %q", got)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"relative root":   {Root: "tmp/root"},
		"empty wrap word": {Wrap: []string{"systemd-run", "", "--"}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
}
