package alerts

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The testdata files are answers of a real Prometheus 2.42 (Debian 12's):
// alerts.json to /api/v1/alerts with one firing and one pending alert,
// error.json to a bad query (it answers every API error in that envelope).
func TestDecodeRealPrometheusAnswers(t *testing.T) {
	body, err := os.ReadFile("testdata/prometheus-2.42-alerts.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := decode(body)
	if err != nil {
		t.Fatal(err)
	}
	want := []alert{
		{Labels: map[string]string{"alertname": "Always", "severity": "page"}, State: "firing"},
		{Labels: map[string]string{"alertname": "Pending"}, State: "pending"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("alerts (-want +got):\n%s", d)
	}

	body, err = os.ReadFile("testdata/prometheus-2.42-error.json")
	if err != nil {
		t.Fatal(err)
	}
	_, err = decode(body)
	wantErr := `alerts: prometheus answered an error: "bad_data": "invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"`
	if !errors.Is(err, ErrPrometheus) || err.Error() != wantErr {
		t.Errorf("error:\n got %v\nwant %s", err, wantErr)
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"not JSON", `<html>`, "alerts: malformed response: invalid character '<' looking for beginning of value"},
		{"cut short", `{"status":"success","data":{"alerts":[`, "alerts: malformed response: unexpected end of JSON input"},
		{"no status", `{"data":{"alerts":[]}}`, `alerts: malformed response: status "", want "success" or "error"`},
		{"other status", `{"status":"ok"}`, `alerts: malformed response: status "ok", want "success" or "error"`},
		{"no data", `{"status":"success"}`, "alerts: malformed response: no data.alerts"},
		{"null alerts", `{"status":"success","data":{"alerts":null}}`, "alerts: malformed response: no data.alerts"},
		{"alerts not a list", `{"status":"success","data":{"alerts":{}}}`,
			"alerts: malformed response: json: cannot unmarshal object into Go struct field .data.alerts of type []alerts.alert"},
		{"no alertname", `{"status":"success","data":{"alerts":[{"labels":{"job":"x"},"state":"firing"}]}}`,
			"alerts: malformed response: alert 0 has no alertname"},
		// Label names are case-sensitive; "AlertName" is another label.
		{"alertname in other case", `{"status":"success","data":{"alerts":[{"labels":{"AlertName":"X"},"state":"firing"}]}}`,
			"alerts: malformed response: alert 0 has no alertname"},
		{"unknown state", `{"status":"success","data":{"alerts":[{"labels":{"alertname":"X"},"state":"FIRING"}]}}`,
			`alerts: malformed response: alert "X": unknown state "FIRING"`},
		{"error", `{"status":"error","errorType":"timeout","error":"query timed out"}`,
			`alerts: prometheus answered an error: "timeout": "query timed out"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decode([]byte(tc.body))
			if err == nil {
				t.Fatalf("decoded %v, want error %s", got, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n got %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestFiringNames(t *testing.T) {
	alerts := []alert{
		{Labels: map[string]string{"alertname": "NecoB"}, State: "firing"},
		{Labels: map[string]string{"alertname": "NecoA", "instance": "1"}, State: "firing"},
		{Labels: map[string]string{"alertname": "NecoA", "instance": "2"}, State: "firing"},
		{Labels: map[string]string{"alertname": "NecoPending"}, State: "pending"},
		{Labels: map[string]string{"alertname": "NecoGone"}, State: "inactive"},
		{Labels: map[string]string{"alertname": "DiskFull"}, State: "firing"},
	}
	for _, tc := range []struct {
		name  string
		match *regexp.Regexp
		want  []string
	}{
		{"all", nil, []string{"DiskFull", "NecoA", "NecoB"}},
		{"prefix", regexp.MustCompile(`^Neco`), []string{"NecoA", "NecoB"}},
		{"exact", regexp.MustCompile(`^NecoA$`), []string{"NecoA"}},
		{"pending only", regexp.MustCompile(`Pending`), []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, firingNames(alerts, tc.match)); d != "" {
				t.Errorf("names (-want +got):\n%s", d)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"testdata/prometheus-2.42-alerts.json", "testdata/prometheus-2.42-error.json"} {
		body, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Add([]byte(`{"status":"success","data":{"alerts":[]}}`))
	f.Add([]byte(`{"status":"success","data":{"alerts":[{"labels":{"alertname":"A"},"state":"inactive"}]}}`))
	f.Add([]byte(`{"status":"success","Status":"error","data":{"alerts":[{"labels":null}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := decode(body)
		// A non-2xx answer's body goes through statusError: it must
		// not panic on anything either.
		_ = reply{status: "503 Service Unavailable", code: 503, body: body}.statusError()
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrPrometheus) {
				t.Fatalf("error wraps neither ErrMalformed nor ErrPrometheus: %v", err)
			}
			return
		}
		checkFiring(t, alerts)
		// What decode accepted survives a round trip.
		again, err := decode(encodeAlerts(t, alerts))
		if err != nil {
			t.Fatalf("re-encoded alerts rejected: %v", err)
		}
		if d := cmp.Diff(alerts, again); d != "" {
			t.Fatalf("round trip (-first +again):\n%s", d)
		}
	})
}

// checkFiring checks that firingNames reports exactly the firing alerts'
// names, sorted and unique, all of them named.
func checkFiring(t *testing.T, alerts []alert) {
	t.Helper()
	want := []string{}
	for _, a := range alerts {
		if a.name() == "" {
			t.Fatalf("accepted an alert without a name: %+v", a)
		}
		if a.State == stateFiring && !slices.Contains(want, a.name()) {
			want = append(want, a.name())
		}
	}
	slices.Sort(want)
	got := firingNames(alerts, nil)
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("firing names (-want +got):\n%s", d)
	}
}

func encodeAlerts(t *testing.T, alerts []alert) []byte {
	t.Helper()
	type data struct {
		Alerts []alert `json:"alerts"`
	}
	b, err := json.Marshal(struct {
		Status string `json:"status"`
		Data   data   `json:"data"`
	}{"success", data{alerts}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
