package model

import (
	"strings"
	"testing"
)

func TestLimits(t *testing.T) {
	for _, tt := range []struct {
		lrn int
		ok  bool
	}{{0, true}, {MaxLRN, true}, {-1, false}, {MaxLRN + 1, false}, {1<<63 - 1, false}} {
		if err := CheckLRN(tt.lrn); (err == nil) != tt.ok {
			t.Errorf("CheckLRN(%d) = %v, want ok %v", tt.lrn, err, tt.ok)
		}
	}
	for _, tt := range []struct {
		host string
		ok   bool
	}{
		{"boot-0", true}, {"boot_1.dc1.example", true}, {strings.Repeat("a", MaxHostname), true},
		{"", false}, {strings.Repeat("a", MaxHostname+1), false}, {"boot 1", false},
		{"boot\n1", false}, {"bööt", false}, {"a/b", false}, {"\x1b[31mred", false},
	} {
		if err := CheckHostname(tt.host); (err == nil) != tt.ok {
			t.Errorf("CheckHostname(%q) = %v, want ok %v", tt.host, err, tt.ok)
		}
	}
}
