package op

import (
	"context"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// Releases downloads what an update installs, proven before it is used.
type Releases interface {
	// FetchSite downloads the site package of the release tagged tag into
	// dir, checked against the release's SHA256SUMS (and its signature
	// when signing keys are configured), and returns its path.
	FetchSite(ctx context.Context, tag string, v model.Version, dir string) (string, error)
	// FetchDeb downloads a plan's extra package into dir, checked against
	// the sha256 the plan pins, and returns its path.
	FetchDeb(ctx context.Context, d plan.Deb, dir string) (string, error)
}

// Package is a Debian package as dpkg names it.
type Package struct {
	Name    string
	Version model.Version
	// Notes say what installing it took beyond dpkg -i, for the
	// worker's report: a half-way package repaired, service actions of
	// its maintainer scripts denied.
	Notes []string
}

// Packages installs Debian packages. Install leaves a package already
// installed at the file's version alone.
type Packages interface {
	Install(ctx context.Context, path string, allowDowngrade bool) (Package, error)
	// InstallSelf installs neco's own package outside the worker's
	// cgroup, so that the package's prerm stopping neco-worker does not
	// kill dpkg halfway.
	InstallSelf(ctx context.Context, path string) (Package, error)
	// Installed returns the version of package name, false when it is not
	// fully installed.
	Installed(ctx context.Context, name string) (model.Version, bool, error)
}

// Image is one image made present by Images.Pull.
type Image struct {
	Name, Digest string
	// Pulled is false when the image was already there.
	Pulled bool
}

// Images makes a plan's images present, pinned digests verified.
type Images interface {
	Pull(ctx context.Context, images []plan.Image) ([]Image, error)
}

// Units drives systemd. Start, Stop and Restart return once the job is
// done and the unit has settled (active, or inactive for Stop).
type Units interface {
	Reload(ctx context.Context) error
	Start(ctx context.Context, unit string) error
	Stop(ctx context.Context, unit string) error
	Restart(ctx context.Context, unit string) error
	// Check runs a health check until it passes or h.Timeout ends.
	Check(ctx context.Context, h plan.Health) error
}

// Commands runs the once-steps' commands.
type Commands interface {
	Run(ctx context.Context, argv []string) error
}

// Plans reads the plan of the installed site package.
type Plans interface {
	Load(ctx context.Context) (plan.Plan, error)
}

// Records are the etcd records ops keep: what each server installed, and
// the once-steps (fenced on the worker leader's key).
type Records interface {
	PutInstalledDeb(ctx context.Context, lrn int, name string, v model.Version) error
	PutInstalledImage(ctx context.Context, lrn int, name, digest string) error
	// StartContent records once-step name as started for v; an
	// irreversible step is also recorded for good, for neco rollback.
	StartContent(ctx context.Context, leaderKey, name string, v model.Version, irreversible bool) error
	FinishContent(ctx context.Context, leaderKey, name string, v model.Version) error
}

// Infra is everything ops act through, plus the facts about this process
// they need.
type Infra struct {
	Releases Releases
	Packages Packages
	Images   Images
	Units    Units
	Commands Commands
	Plans    Plans
	Records  Records
	// NecoVersion is the version of the running neco-worker.
	NecoVersion model.Version
	// CacheDir is where downloads go; one directory per version is made
	// under it.
	CacheDir string
	// Note, when set, is told what an op did that an SRE should know of
	// and that the plan did not ask for (Package.Notes): the worker keeps
	// it in every report of the update.
	Note func(string)
}

// note tells inf.Note each of notes.
func (inf Infra) note(notes []string) {
	for _, n := range notes {
		if inf.Note != nil {
			inf.Note(n)
		}
	}
}

// Target is what an op works for.
type Target struct {
	Update model.Update
	// LRN is this boot server.
	LRN int
	// LeaderKey is this worker's election key under leader/worker/ when
	// it leads; once-steps are recorded fenced on it.
	LeaderKey string
}
