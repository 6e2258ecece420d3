package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
)

// The alert states of Prometheus's /api/v1/alerts. Only firing holds a
// rollout; a pending alert has not yet held its condition for its "for".
const (
	stateFiring   = "firing"
	statePending  = "pending"
	stateInactive = "inactive"
)

// response is the part of an /api/v1/alerts answer this package reads:
//
//	{"status":"success","data":{"alerts":[
//	  {"labels":{"alertname":"NodeDown",...},"state":"firing",...}]}}
//	{"status":"error","errorType":"bad_data","error":"..."}
//
// Other fields (annotations, activeAt, value, warnings) are ignored.
// Pointers tell a missing data or alerts from an empty one.
type response struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      *struct {
		Alerts *[]alert `json:"alerts"`
	} `json:"data"`
}

// alert is one active alert. Labels is a map, not a struct, because
// encoding/json matches struct fields case-insensitively and Prometheus
// label names are case-sensitive: "AlertName" is not "alertname".
type alert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
}

func (a alert) name() string { return a.Labels["alertname"] }

// decode reads an /api/v1/alerts body: the active alerts, each checked to
// have a name and a known state, or ErrPrometheus or ErrMalformed.
func decode(body []byte) ([]alert, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	switch r.Status {
	case "success":
	case "error":
		return nil, fmt.Errorf("%w: %.64q: %.512q", ErrPrometheus, r.ErrorType, r.Error)
	default:
		return nil, fmt.Errorf("%w: status %.64q, want \"success\" or \"error\"", ErrMalformed, r.Status)
	}
	if r.Data == nil || r.Data.Alerts == nil {
		return nil, fmt.Errorf("%w: no data.alerts", ErrMalformed)
	}
	alerts := *r.Data.Alerts
	for i, a := range alerts {
		if a.name() == "" {
			return nil, fmt.Errorf("%w: alert %d has no alertname", ErrMalformed, i)
		}
		switch a.State {
		case stateFiring, statePending, stateInactive:
		default:
			// Fail closed: an alert in a state this package does not
			// know might be firing.
			return nil, fmt.Errorf("%w: alert %.128q: unknown state %.64q", ErrMalformed, a.name(), a.State)
		}
	}
	return alerts, nil
}

// firingNames returns the sorted, unique names of the firing alerts that
// match (nil: all), never nil.
func firingNames(alerts []alert, match *regexp.Regexp) []string {
	names := []string{}
	for _, a := range alerts {
		if a.State == stateFiring && (match == nil || match.MatchString(a.name())) {
			names = append(names, a.name())
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// firing interprets r: the matching firing alerts of a 2xx answer, or
// what went wrong.
func (r reply) firing(match *regexp.Regexp) ([]string, error) {
	if r.code/100 != 2 {
		return nil, r.statusError()
	}
	alerts, err := decode(r.body)
	if err != nil {
		return nil, err
	}
	return firingNames(alerts, match), nil
}

// statusError describes a non-2xx answer: with Prometheus's own error when
// the body is its error envelope (it answers 400, 422 and 503 so), else
// with the start of the body, say a proxy's "no healthy upstream".
func (r reply) statusError() error {
	if _, err := decode(r.body); errors.Is(err, ErrPrometheus) {
		return fmt.Errorf("%w %s: %w", ErrStatus, r.status, err)
	}
	if len(r.body) == 0 {
		return fmt.Errorf("%w %s", ErrStatus, r.status)
	}
	return fmt.Errorf("%w %s: body %.128q", ErrStatus, r.status, r.body)
}
