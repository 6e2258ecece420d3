package storage

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKeyNames(t *testing.T) {
	s := New(nil, "")
	tests := map[string]string{
		s.Prefix():                  "/neco/",
		s.LeaderUpdaterKey():        "/neco/leader/updater/",
		s.LeaderWorkerKey():         "/neco/leader/worker/",
		s.BootserverKey(10):         "/neco/bootservers/10",
		s.BootserverPrefix():        "/neco/bootservers/",
		s.ConfigKey("env"):          "/neco/config/env",
		s.ConfigPrefix():            "/neco/config/",
		s.InfoReleaseKey():          "/neco/info/release",
		s.InfoCandidateKey():        "/neco/info/candidate",
		s.StatusCurrentKey():        "/neco/status/current",
		s.StatusBarrierKey():        "/neco/status/barrier",
		s.WorkerStatusKey(2):        "/neco/status/bootservers/2",
		s.WorkerStatusPrefix():      "/neco/status/bootservers/",
		s.ContentKey("upload"):      "/neco/contents/upload",
		s.ContentPrefix():           "/neco/contents/",
		s.InstallPrefix(3):          "/neco/install/3/",
		s.InstallDebKey(3, "cke"):   "/neco/install/3/debs/cke",
		s.InstallImageKey(3, "cke"): "/neco/install/3/images/cke",
		s.HistoryKey(42):            "/neco/history/00000000000000000042",
		s.HistoryPrefix():           "/neco/history/",
	}
	for got, want := range tests {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	if got := New(nil, "/site").Prefix(); got != "/site/" {
		t.Errorf("prefix without trailing slash: %s", got)
	}
}

func TestHistoryKeyOrderIsNumeric(t *testing.T) {
	s := New(nil, "")
	ids := []int64{1, 2, 9, 10, 11, 100, 1 << 62}
	for i := 1; i < len(ids); i++ {
		if a, b := s.HistoryKey(ids[i-1]), s.HistoryKey(ids[i]); a >= b {
			t.Errorf("%s >= %s", a, b)
		}
	}
}

func TestParseKey(t *testing.T) {
	s := New(nil, "/p/")
	tests := []struct {
		key     string
		want    parsedKey
		wantErr bool
	}{
		{"/p/bootservers/0", parsedKey{kind: kindBootserver, lrn: 0}, false},
		{"/p/bootservers/10", parsedKey{kind: kindBootserver, lrn: 10}, false},
		{"/p/status/bootservers/2", parsedKey{kind: kindWorker, lrn: 2}, false},
		{"/p/config/env", parsedKey{kind: kindConfig, name: "env"}, false},
		{"/p/contents/upload", parsedKey{kind: kindContent, name: "upload"}, false},
		{"/p/info/release", parsedKey{kind: kindSeen}, false},
		{"/p/info/candidate", parsedKey{kind: kindCandidate}, false},
		{"/p/status/current", parsedKey{kind: kindCurrent}, false},
		{"/p/status/barrier", parsedKey{kind: kindBarrier}, false},
		{"/p/status/future", parsedKey{kind: kindUnknown}, false},
		{"/q/status/current", parsedKey{kind: kindUnknown}, false},
		{"/p/bootservers/abc", parsedKey{kind: kindBootserver}, true},
		{"/p/bootservers/02", parsedKey{kind: kindBootserver}, true},
		{"/p/bootservers/-1", parsedKey{kind: kindBootserver}, true},
		{"/p/bootservers/+1", parsedKey{kind: kindBootserver}, true},
		{"/p/bootservers/", parsedKey{kind: kindBootserver}, true},
		{"/p/bootservers/99999999999999999999", parsedKey{kind: kindBootserver}, true},
		{"/p/status/bootservers/1/x", parsedKey{kind: kindWorker}, true},
		{"/p/config/", parsedKey{kind: kindConfig}, true},
		{"/p/contents/a/b", parsedKey{kind: kindContent, name: "a/b"}, true},
	}
	for _, tt := range tests {
		got, err := s.parseKey(tt.key)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v, want error %v", tt.key, err, tt.wantErr)
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(parsedKey{})); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tt.key, diff)
		}
	}
}

func TestParseHistoryKey(t *testing.T) {
	s := New(nil, "/p/")
	if id, err := s.parseHistoryKey(s.HistoryKey(10)); err != nil || id != 10 {
		t.Errorf("got %d, %v", id, err)
	}
	for _, key := range []string{"/p/history/10", "/p/history/00000000000000000000", "/p/history/x",
		"/p/history/-0000000000000000001", "/p/other/00000000000000000001"} {
		if _, err := s.parseHistoryKey(key); err == nil {
			t.Errorf("%s accepted", key)
		}
	}
}
