package decide

import (
	"fmt"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// ServerChanges is what an update to the target would change on one
// server, against what the server recorded as installed.
type ServerChanges struct {
	LRN      int
	Packages []PackageChange
	Images   []ImageChange
}

// ChangeKind says how a package or image moves.
type ChangeKind string

// The changes.
const (
	// ChangeNew: not recorded on the server yet.
	ChangeNew       ChangeKind = "new"
	ChangeUpgrade   ChangeKind = "upgrade"
	ChangeDowngrade ChangeKind = "downgrade"
	// ChangeSame: already there (the worker checks again and skips it).
	ChangeSame ChangeKind = "same"
	// ChangeUnknown: the asset's name does not carry its version; it is
	// known once the worker has the file.
	ChangeUnknown ChangeKind = "unknown"
	// ChangeIfOlder: neco updates itself only when the running worker does
	// not satisfy the plan's requirement.
	ChangeIfOlder ChangeKind = "if-older"
	// ChangeReplace: an image moves to another digest.
	ChangeReplace ChangeKind = "replace"
)

// PackageChange is one Debian package of the update.
type PackageChange struct {
	Name string
	// From is the recorded version (zero when none is); To is the version
	// installed (zero when Change is unknown).
	From, To model.Version
	Change   ChangeKind
	// Source says where the package comes from: "site package" or
	// "REPO TAG".
	Source string
}

// ImageChange is one container image of the update.
type ImageChange struct {
	Name string
	// From is the recorded digest ("" when none is); Ref is the plan's
	// reference, pinned by digest.
	From, Ref string
	Change    ChangeKind
}

func serverChanges(in DryRunInput, lrns []int) []ServerChanges {
	out := make([]ServerChanges, 0, len(lrns))
	for _, lrn := range lrns {
		inst := in.Installed[lrn]
		sc := ServerChanges{LRN: lrn}
		site := PackageChange{Name: in.SitePackage, From: inst.Debs[in.SitePackage], To: in.Target.Version,
			Source: "site package " + in.Target.Tag}
		site.Change = versionChange(site.From, site.To)
		sc.Packages = append(sc.Packages, site)
		for _, d := range in.Plan.Debs {
			sc.Packages = append(sc.Packages, debChange(in.Plan, d, inst.Debs[d.Name]))
		}
		for _, img := range in.Plan.Images {
			ic := ImageChange{Name: img.Name, From: inst.Images[img.Name], Ref: img.Ref}
			switch {
			case ic.From == "":
				ic.Change = ChangeNew
			case ic.From == img.Digest():
				ic.Change = ChangeSame
			default:
				ic.Change = ChangeReplace
			}
			sc.Images = append(sc.Images, ic)
		}
		out = append(out, sc)
	}
	return out
}

// debChange compares an extra package with the recorded version. The neco
// entry is a self-update, which happens only for a worker older than the
// plan's requirement.
func debChange(p plan.Plan, d plan.Deb, from model.Version) PackageChange {
	c := PackageChange{Name: d.Name, From: from, Source: fmt.Sprintf("%s %s", d.Repo, d.Tag)}
	to, ok := d.AssetVersion()
	if ok {
		c.To = to
	}
	switch {
	case d.Name == plan.NecoDeb && p.Neco != nil && !from.IsZero() && p.Neco.Satisfied(from):
		c.To, c.Change = from, ChangeSame
	case d.Name == plan.NecoDeb:
		c.Change = ChangeIfOlder
	case !ok:
		c.Change = ChangeUnknown
	default:
		c.Change = versionChange(from, to)
	}
	return c
}

func versionChange(from, to model.Version) ChangeKind {
	switch c := to.Compare(from); {
	case from.IsZero():
		return ChangeNew
	case c > 0:
		return ChangeUpgrade
	case c < 0:
		return ChangeDowngrade
	}
	return ChangeSame
}
