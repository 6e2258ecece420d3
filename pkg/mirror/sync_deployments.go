package mirror

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/model"
)

// DeploymentSource is a Source that also lists GitHub deployments. Sync
// copies the deployments of the newest tags when its source implements
// it (the releases client does, against GitHub or another mirror), so
// that a site behind the mirror can use the promotion gate.
type DeploymentSource interface {
	// DeploymentRecords returns at most limit deployments of ref, in
	// every environment, newest first, each with its newest statuses
	// (one page) oldest first.
	DeploymentRecords(ctx context.Context, ref string, limit int) ([]model.DeploymentRecord, error)
}

// syncDeployments replaces deployments.json of owner/name with the
// source's deployments of tags (newest first). Whatever fails, the file
// is left as it was: a gated site keeps seeing the last complete copy.
func syncDeployments(ctx context.Context, src DeploymentSource, dir, owner, name string, tags []string, log *zap.Logger) error {
	if len(tags) == 0 {
		return nil
	}
	n := &normalizer{deployments: map[int64]bool{}, statuses: map[int64]bool{}}
	var all []deploymentRecord
	for _, tag := range tags {
		if err := ctx.Err(); err != nil {
			return err
		}
		recs, err := src.DeploymentRecords(ctx, tag, maxDeploymentsPerTag)
		if err != nil {
			return fmt.Errorf("tag %s: %w", tag, err)
		}
		all = append(all, n.tag(tag, recs, log.With(zap.String(logKeyTag, tag)))...)
	}
	all = trimToFileSize(all, log)
	changed, err := writeDeployments(ctx, dir, owner, name, deploymentsFile{Deployments: all})
	if err != nil {
		return err
	}
	log.Info("deployments mirrored", zap.Int(logKeyTags, len(tags)),
		zap.Int(logKeyDeployments, len(all)), zap.Bool(logKeyChanged, changed))
	return nil
}

// deploymentTags picks the tags whose deployments Sync copies: the newest
// MaxDeploymentTags releases stored in the mirror, drafts aside (no site
// takes a draft). rels is sorted oldest first.
func deploymentTags(dir, owner, name string, rels []model.Release) ([]string, error) {
	var tags []string
	for i := len(rels) - 1; i >= 0 && len(tags) < MaxDeploymentTags; i-- {
		rel := rels[i]
		if rel.Draft || checkName(rel.Tag) != nil || slices.Contains(tags, rel.Tag) {
			continue
		}
		ok, err := tagExists(dir, owner, name, rel.Tag)
		if err != nil {
			return nil, err
		}
		if ok {
			tags = append(tags, rel.Tag)
		}
	}
	return tags, nil
}

// normalizer turns what a source listed into records that validate,
// dropping what the mirror cannot store and counting it for one warning
// per tag rather than a line per item.
type normalizer struct {
	deployments, statuses map[int64]bool // ids taken so far
	dropped               int            // deployments and statuses of the current tag
	payloads              int            // payloads of the current tag replaced by {}
	why                   error          // the first reason something was dropped
}

// tag normalizes the deployments listed for tag and keeps the newest
// maxDeploymentsPerTag of them.
func (n *normalizer) tag(tag string, recs []model.DeploymentRecord, log *zap.Logger) []deploymentRecord {
	n.dropped, n.payloads, n.why = 0, 0, nil
	out := make([]deploymentRecord, 0, min(len(recs), maxDeploymentsPerTag))
	for _, r := range recs {
		if d, ok := n.deployment(tag, r); ok {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b deploymentRecord) int { return cmp.Compare(b.ID, a.ID) })
	if len(out) > maxDeploymentsPerTag {
		log.Warn("keeping the newest deployments of the tag only",
			zap.Int(logKeyDeployments, len(out)), zap.Int(logKeyKept, maxDeploymentsPerTag))
		out = out[:maxDeploymentsPerTag]
	}
	if n.dropped > 0 || n.payloads > 0 {
		log.Warn("dropped deployments or statuses the mirror cannot store or keep", zap.Int(logKeyDropped, n.dropped),
			zap.Int(logKeyPayloads, n.payloads), zap.NamedError("first", n.why))
	}
	return out
}

func (n *normalizer) drop(err error) {
	n.dropped++
	if n.why == nil {
		n.why = err
	}
}

// deployment converts one listed deployment; false when it is dropped.
func (n *normalizer) deployment(tag string, r model.DeploymentRecord) (deploymentRecord, bool) {
	d := deploymentRecord{
		ID: r.ID, Ref: r.Ref, Environment: r.Environment,
		Description: cleanDescription(r.Description),
		Payload:     r.Payload,
		CreatedAt:   r.CreatedAt.UTC().Truncate(time.Second),
	}
	switch {
	case r.Ref != tag:
		// A source that ignored the ref filter must not promote this tag.
		n.drop(fmt.Errorf("deployment %d: ref %q, asked for %q", r.ID, r.Ref, tag))
		return d, false
	case r.ID <= 0 || n.deployments[r.ID]:
		n.drop(fmt.Errorf("deployment %d: id not positive or listed twice", r.ID))
		return d, false
	}
	if err := checkEnvironment(r.Environment); err != nil {
		n.drop(fmt.Errorf("deployment %d: %w", r.ID, err))
		return d, false
	}
	if p := bytes.TrimSpace(d.Payload); len(p) == 0 || string(p) == "null" {
		d.Payload = json.RawMessage(`{}`) // GitHub's default payload
	} else if checkPayload(p) != nil {
		n.payloads++
		d.Payload = json.RawMessage(`{}`)
	}
	n.deployments[r.ID] = true
	d.Statuses = n.statusesOf(d, r.Statuses)
	return d, true
}

// statusesOf keeps the valid statuses of d, the newest
// maxStatusesPerDeployment of them, oldest first.
func (n *normalizer) statusesOf(d deploymentRecord, in []model.DeploymentStatusRecord) []deploymentStatusRecord {
	out := make([]deploymentStatusRecord, 0, min(len(in), maxStatusesPerDeployment))
	for _, s := range in {
		if s.ID <= 0 || n.statuses[s.ID] || !slices.Contains(deploymentStates, s.State) {
			n.drop(fmt.Errorf("deployment %d: status %d: bad or repeated id, or state %q", d.ID, s.ID, s.State))
			continue
		}
		n.statuses[s.ID] = true
		env := s.Environment
		if checkEnvironment(env) != nil {
			// The gate reads the deployment's environment, not this.
			env = d.Environment
		}
		out = append(out, deploymentStatusRecord{ID: s.ID, State: s.State, Environment: env,
			Description: cleanDescription(s.Description), CreatedAt: s.CreatedAt.UTC().Truncate(time.Second)})
	}
	slices.SortFunc(out, func(a, b deploymentStatusRecord) int { return cmp.Compare(a.ID, b.ID) })
	if extra := len(out) - maxStatusesPerDeployment; extra > 0 {
		n.dropped += extra
		out = out[extra:]
	}
	return out
}

// cleanDescription makes s valid UTF-8 of at most maxDescriptionRunes
// characters, marking a cut with "...".
func cleanDescription(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= maxDescriptionRunes {
		return s
	}
	return string([]rune(s)[:maxDescriptionRunes-3]) + "..."
}

// trimToFileSize sorts ds oldest first and drops the oldest until the
// file fits in maxDeploymentsFileSize, with one warning: newer tags are
// the ones a gated site asks about.
func trimToFileSize(ds []deploymentRecord, log *zap.Logger) []deploymentRecord {
	slices.SortFunc(ds, func(a, b deploymentRecord) int { return cmp.Compare(a.ID, b.ID) })
	size := len(`{"deployments":[]}` + "\n")
	for i := len(ds) - 1; i >= 0; i-- {
		b, err := json.Marshal(ds[i])
		size += len(b) + 1 // and a comma
		if err != nil || size > maxDeploymentsFileSize {
			log.Warn("deployments file would be too large; dropping the oldest deployments",
				zap.Int(logKeyDropped, i+1), zap.Int(logKeyKept, len(ds)-i-1), zap.Int(logKeyBytes, maxDeploymentsFileSize))
			return ds[i+1:]
		}
	}
	return ds
}
