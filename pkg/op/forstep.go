package op

import (
	"fmt"
	"time"

	"github.com/necoship/neco/pkg/decide"
)

// ForStep returns the op that runs st, and the time it may take.
// prepareTimeout bounds step 0 (downloads, dpkg, image pulls), which the
// plan cannot bound because it is not installed yet.
func ForStep(st decide.Step, t Target, inf Infra, prepareTimeout time.Duration) (Op, time.Duration, error) {
	switch {
	case st.Kind == decide.StepPrepare:
		return Prepare(t, inf), prepareTimeout, nil
	case st.Kind == decide.StepRestart && st.Service != nil:
		return Restart(*st.Service, inf), st.Service.Timeout.Duration, nil
	case st.Kind == decide.StepStop && st.Service != nil:
		return Stop(*st.Service, inf), st.Service.Timeout.Duration, nil
	case st.Kind == decide.StepStart && st.Service != nil:
		return Start(*st.Service, inf), st.Service.Timeout.Duration, nil
	case st.Kind == decide.StepOnce && st.Once != nil:
		return Once(*st.Once, t, inf), st.Once.Timeout.Duration, nil
	}
	return nil, 0, fmt.Errorf("step %q (%s): no operation for it", st.Name, st.Kind)
}
