package storage

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/necoship/neco/pkg/model"
)

// The key schema. Every name is relative to the Storage prefix (default
// "/neco/"); the key methods below return full keys, prefix included, so that
// the leader package and the CLI use exactly the keys storage reads.
//
//	key                            writer                 value (compact JSON)
//	leader/updater/<lease>         neco-updater election  election candidate name
//	leader/worker/<lease>          neco-worker election   election candidate name
//	bootservers/<lrn>              neco join / leave      model.Bootserver
//	config/<name>                  neco config set        raw string, not JSON (not a secret)
//	secret/<name>                  neco config set        raw string of a secret config key
//	audit/config/<id>              neco config set/unset  model.ConfigChange (id: 20 digits)
//	info/release                   updater leader         model.SeenRelease
//	info/check                     updater leader         model.ReleaseCheck
//	info/gate                      updater leader         model.GateState
//	info/check-answer              updater leader         model.CheckAnswer
//	info/promotion                 updater leader         model.Promotion
//	info/candidate                 updater leader; CLI    model.Candidate (approve sets approved)
//	status/current                 updater leader; CLI    model.Update (neco recover clears stop)
//	status/barrier                 updater leader         model.Barrier
//	status/turns                   updater leader         model.Turns
//	status/bootservers/<lrn>       worker <lrn>           model.WorkerStatus
//	contents/<name>                worker leader          model.Content
//	policy/holds/<version>         neco hold / rollback   model.Hold
//	policy/pin                     neco pin               model.Hold
//	request/rollback               neco rollback          model.RollbackRequest (the updater deletes it)
//	request/check                  neco update check; any updater for a webhook delivery
//	                                                      model.CheckRequest (the updater deletes it)
//	irreversible/<version>/<name>  worker leader          model.IrreversibleRun
//	install/<lrn>/debs/<name>      worker <lrn>           model.Version as a JSON string
//	install/<lrn>/images/<name>    worker <lrn>           image digest as a JSON string
//	history/<id>                   updater leader         model.HistoryEntry (id: 20 digits)
//
// <lrn> is a decimal int >= 0 without sign or leading zeros, so each server
// has exactly one key. <name> is non-empty and has no "/". <version> is a
// Debian version as Version.String() writes it.
const (
	leaderUpdaterDir = "leader/updater/"
	leaderWorkerDir  = "leader/worker/"
	bootserverDir    = "bootservers/"
	configDir        = "config/"
	secretDir        = "secret/"
	auditConfigDir   = "audit/config/"
	infoReleaseName  = "info/release"
	infoCandName     = "info/candidate"
	infoCheckName    = "info/check"
	infoGateName     = "info/gate"
	infoAnswerName   = "info/check-answer"
	infoPromoName    = "info/promotion"
	infoDir          = "info/"
	statusCurName    = "status/current"
	statusBarName    = "status/barrier"
	statusTurnsName  = "status/turns"
	statusDir        = "status/"
	workerStatusDir  = "status/bootservers/"
	contentDir       = "contents/"
	policyDir        = "policy/"
	holdsDir         = "policy/holds/"
	pinName          = "policy/pin"
	requestDir       = "request/"
	rollbackName     = "request/rollback"
	checkReqName     = "request/check"
	irreversibleDir  = "irreversible/"
	installDir       = "install/"
	installDebsDir   = "debs/"
	installImgsDir   = "images/"
	historyDir       = "history/"
	leaderDir        = "leader/"
)

// historyIDWidth pads history ids so that etcd's lexical key order is the
// numeric order (an int64 has at most 19 digits).
const historyIDWidth = 20

// LeaderUpdaterKey is the election prefix of neco-updater.
func (s *Storage) LeaderUpdaterKey() string { return s.prefix + leaderUpdaterDir }

// LeaderWorkerKey is the election prefix of the worker leader (once-steps).
func (s *Storage) LeaderWorkerKey() string { return s.prefix + leaderWorkerDir }

// BootserverKey is the registration of server lrn.
func (s *Storage) BootserverKey(lrn int) string { return s.prefix + bootserverDir + strconv.Itoa(lrn) }

// BootserverPrefix holds every BootserverKey.
func (s *Storage) BootserverPrefix() string { return s.prefix + bootserverDir }

// ConfigKey is the cluster config value called name.
func (s *Storage) ConfigKey(name string) string { return s.prefix + configDir + name }

// ConfigPrefix holds every ConfigKey; the loops watch it to apply config
// changes without restarting.
func (s *Storage) ConfigPrefix() string { return s.prefix + configDir }

// SecretKey is the secret config value called name. Secrets live apart
// from config/ so that etcd roles can grant config/ to every server and
// each secret only to the roles that use it.
func (s *Storage) SecretKey(name string) string { return s.prefix + secretDir + name }

// SecretPrefix holds every SecretKey.
func (s *Storage) SecretPrefix() string { return s.prefix + secretDir }

// ConfigAuditKey is the record of config change id (id > 0).
func (s *Storage) ConfigAuditKey(id int64) string {
	return fmt.Sprintf("%s%s%0*d", s.prefix, auditConfigDir, historyIDWidth, id)
}

// ConfigAuditPrefix holds every ConfigAuditKey.
func (s *Storage) ConfigAuditPrefix() string { return s.prefix + auditConfigDir }

// InfoReleaseKey is the latest release the updater saw.
func (s *Storage) InfoReleaseKey() string { return s.prefix + infoReleaseName }

// InfoCandidateKey is the release waiting for manual approval.
func (s *Storage) InfoCandidateKey() string { return s.prefix + infoCandName }

// InfoGateKey holds the alert gate's last state.
func (s *Storage) InfoGateKey() string { return s.prefix + infoGateName }

// InfoCheckKey holds the outcome of the updater's release checks.
func (s *Storage) InfoCheckKey() string { return s.prefix + infoCheckName }

// StatusCurrentKey is the running or last update.
func (s *Storage) StatusCurrentKey() string { return s.prefix + statusCurName }

// StatusBarrierKey is the step every worker may enter; workers watch it.
func (s *Storage) StatusBarrierKey() string { return s.prefix + statusBarName }

// StatusTurnsKey says whose rolling turn is open; a worker waiting for
// its turn watches it.
func (s *Storage) StatusTurnsKey() string { return s.prefix + statusTurnsName }

// WorkerStatusKey is the report of worker lrn.
func (s *Storage) WorkerStatusKey(lrn int) string {
	return s.prefix + workerStatusDir + strconv.Itoa(lrn)
}

// WorkerStatusPrefix holds every WorkerStatusKey; the updater leader
// watches it to advance barriers.
func (s *Storage) WorkerStatusPrefix() string { return s.prefix + workerStatusDir }

// ContentKey records the once-step called name.
func (s *Storage) ContentKey(name string) string { return s.prefix + contentDir + name }

// HoldKey is the hold of version v.
func (s *Storage) HoldKey(v model.Version) string { return s.prefix + holdsDir + v.String() }

// PinKey is the site's pin.
func (s *Storage) PinKey() string { return s.prefix + pinName }

// RollbackRequestKey is the operator's pending rollback request.
func (s *Storage) RollbackRequestKey() string { return s.prefix + rollbackName }

// RequestPrefix holds the operators' requests (the rollback request).
func (s *Storage) RequestPrefix() string { return s.prefix + requestDir }

// CheckRequestKey is request/check: a release check asked for now.
func (s *Storage) CheckRequestKey() string { return s.prefix + checkReqName }

// CheckAnswerKey is info/check-answer: how the last requested check went.
func (s *Storage) CheckAnswerKey() string { return s.prefix + infoAnswerName }

// PromotionKey is info/promotion: the pick's deployment to require-deployed.
func (s *Storage) PromotionKey() string { return s.prefix + infoPromoName }

// IrreversibleKey records that irreversible once-step name began for v.
func (s *Storage) IrreversibleKey(v model.Version, name string) string {
	return s.IrreversiblePrefix() + v.String() + "/" + name
}

// IrreversiblePrefix holds every IrreversibleKey.
func (s *Storage) IrreversiblePrefix() string { return s.prefix + irreversibleDir }

// PolicyPrefix holds the holds and the pin.
func (s *Storage) PolicyPrefix() string { return s.prefix + policyDir }

// InstallPrefix holds what server lrn installed.
func (s *Storage) InstallPrefix(lrn int) string {
	return s.prefix + installDir + strconv.Itoa(lrn) + "/"
}

// InstallDebKey is the version of package name installed on server lrn.
func (s *Storage) InstallDebKey(lrn int, name string) string {
	return s.InstallPrefix(lrn) + installDebsDir + name
}

// InstallImageKey is the digest of image name pulled on server lrn.
func (s *Storage) InstallImageKey(lrn int, name string) string {
	return s.InstallPrefix(lrn) + installImgsDir + name
}

// HistoryKey is the record of update id (id > 0).
func (s *Storage) HistoryKey(id int64) string {
	return fmt.Sprintf("%s%s%0*d", s.prefix, historyDir, historyIDWidth, id)
}

// HistoryPrefix holds every HistoryKey.
func (s *Storage) HistoryPrefix() string { return s.prefix + historyDir }

// ContentPrefix holds every ContentKey.
func (s *Storage) ContentPrefix() string { return s.prefix + contentDir }

// InfoPrefix holds what the updater leader learned of releases: info/release,
// info/candidate and info/check.
func (s *Storage) InfoPrefix() string { return s.prefix + infoDir }

// statusPrefix holds status/current, status/barrier and the worker reports.
func (s *Storage) statusPrefix() string { return s.prefix + statusDir }

// leaderPrefix holds every election; fenced writes require a key under it.
func (s *Storage) leaderPrefix() string { return s.prefix + leaderDir }

// keyKind says which value a key under the snapshot's ranges holds.
type keyKind int

const (
	kindUnknown keyKind = iota
	kindBootserver
	kindConfig
	kindContent
	kindSeen
	kindCandidate
	kindCheck
	kindGate
	kindCurrent
	kindBarrier
	kindTurns
	kindWorker
	kindHold
	kindPin
	kindRollback
	kindCheckRequest
	kindPromotion
)

// parsedKey is a key the snapshot reads, split into its kind and the
// variable part of its name.
type parsedKey struct {
	kind keyKind
	lrn  int
	name string
}

// parseKey recognises a full key. A key of a known family with a bad LRN or
// name is an error; a key of no known family is kindUnknown without error,
// so that keys added by a newer neco during a rolling upgrade are ignored
// rather than reported as garbage.
func (s *Storage) parseKey(key string) (parsedKey, error) {
	rel, ok := strings.CutPrefix(key, s.prefix)
	if !ok {
		return parsedKey{}, nil
	}
	switch rel {
	case infoReleaseName:
		return parsedKey{kind: kindSeen}, nil
	case infoCandName:
		return parsedKey{kind: kindCandidate}, nil
	case infoCheckName:
		return parsedKey{kind: kindCheck}, nil
	case infoGateName:
		return parsedKey{kind: kindGate}, nil
	case statusCurName:
		return parsedKey{kind: kindCurrent}, nil
	case statusBarName:
		return parsedKey{kind: kindBarrier}, nil
	case statusTurnsName:
		return parsedKey{kind: kindTurns}, nil
	case pinName:
		return parsedKey{kind: kindPin}, nil
	case rollbackName:
		return parsedKey{kind: kindRollback}, nil
	case checkReqName:
		return parsedKey{kind: kindCheckRequest}, nil
	case infoPromoName:
		return parsedKey{kind: kindPromotion}, nil
	}
	families := []struct {
		dir  string
		kind keyKind
	}{
		{bootserverDir, kindBootserver},
		{workerStatusDir, kindWorker},
		{configDir, kindConfig},
		{contentDir, kindContent},
		{holdsDir, kindHold},
	}
	for _, f := range families {
		rest, ok := strings.CutPrefix(rel, f.dir)
		if !ok {
			continue
		}
		switch f.kind {
		case kindBootserver, kindWorker:
			lrn, err := parseLRN(rest)
			return parsedKey{kind: f.kind, lrn: lrn}, err
		case kindHold:
			_, err := model.ParseVersion(rest)
			return parsedKey{kind: f.kind, name: rest}, err
		}
		return parsedKey{kind: f.kind, name: rest}, checkName(rest)
	}
	return parsedKey{}, nil
}

// parseHistoryKey returns the id of a history key. Only the zero-padded
// form HistoryKey writes is accepted: "history/5" would sort after
// "history/00000000000000000010" and break the key order = id order rule.
func (s *Storage) parseHistoryKey(key string) (int64, error) {
	rest, ok := strings.CutPrefix(key, s.prefix+historyDir)
	if !ok {
		return 0, errors.New("not a history key")
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 || s.HistoryKey(id) != key {
		return 0, fmt.Errorf("history id %q: want %d digits > 0", rest, historyIDWidth)
	}
	return id, nil
}

// parseInstallKey splits a key under InstallPrefix(lrn) into "debs" or
// "images" and the name.
func (s *Storage) parseInstallKey(lrn int, key string) (dir, name string, err error) {
	rest, _ := strings.CutPrefix(key, s.InstallPrefix(lrn))
	for _, d := range []string{installDebsDir, installImgsDir} {
		if name, ok := strings.CutPrefix(rest, d); ok {
			return d, name, checkName(name)
		}
	}
	return "", "", fmt.Errorf("%q: want %s<name> or %s<name>", rest, installDebsDir, installImgsDir)
}

// parseLRN accepts the canonical decimal form only, so that "02" and "2"
// can never be two keys of one server.
func parseLRN(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || model.CheckLRN(n) != nil || strconv.Itoa(n) != s {
		return 0, fmt.Errorf("lrn %q: want a decimal int 0 to %d", s, model.MaxLRN)
	}
	return n, nil
}

// checkName rejects names that would be empty or nest under another key.
func checkName(name string) error {
	if name == "" {
		return errors.New("name: empty")
	}
	if strings.Contains(name, "/") {
		return fmt.Errorf("name %q: must not contain /", name)
	}
	return nil
}
