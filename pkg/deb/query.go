package deb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/necoship/neco/pkg/model"
)

// queryFormat asks dpkg-query for "want eflag status\tversion", one line
// per package instance.
const queryFormat = "-f=${Status}\t${Version}\n"

// dbRecord is what dpkg's database says about one package. The zero
// dbRecord is a package dpkg has never heard of.
type dbRecord struct {
	want, eflag, status string // the three words of ${Status}: "install ok installed"
	version             string // empty when no version was ever unpacked
}

// installed is the one state in which the package's files are in place and
// configured. want is ignored: it is the selection apt acts on (a held
// package is still installed), not what is on disk.
func (r dbRecord) installed() bool { return r.eflag == "ok" && r.status == "installed" }

// onDisk reports whether some version of the package's files is (at least
// partly) in place: fully installed, or left half-way by a failed or killed
// dpkg. Removed packages that kept their conffiles are not.
func (r dbRecord) onDisk() bool {
	switch r.status {
	case "", "not-installed", "config-files":
		return false
	}
	return true
}

func (r dbRecord) state() string {
	if r.status == "" {
		return "unknown to dpkg"
	}
	return fmt.Sprintf("%q", r.want+" "+r.eflag+" "+r.status)
}

// Installed returns the version of package name when dpkg's database says
// it is installed (see installed); false with no error when it is not, in
// whatever state, or when dpkg has never heard of it. An installed version
// that model.ParseVersion refuses is an error: neco could not order it.
func (i *Installer) Installed(ctx context.Context, name string) (model.Version, bool, error) {
	r, err := i.record(ctx, name)
	if err != nil {
		return model.Version{}, false, err
	}
	if !r.installed() {
		return model.Version{}, false, nil
	}
	v, err := model.ParseVersion(r.version)
	if err != nil {
		return model.Version{}, false, fmt.Errorf("installed %s: %w", name, err)
	}
	return v, true, nil
}

// record asks dpkg-query about package name.
func (i *Installer) record(ctx context.Context, name string) (dbRecord, error) {
	if err := checkName(name); err != nil {
		return dbRecord{}, fmt.Errorf("query: %w", err)
	}
	// dpkg-query answers "no packages found" for a database that does not
	// exist at all; a wrong Root must not read as "nothing installed".
	if _, err := os.Stat(filepath.Join(i.admindir(), "status")); err != nil {
		return dbRecord{}, fmt.Errorf("query %s: dpkg database: %w", name, err)
	}
	argv := []string{"dpkg-query", "--admindir=" + i.admindir(), "-W", queryFormat, "--", name}
	stdout, stderr, err := i.run(ctx, argv)
	switch {
	case err != nil && ctx.Err() == nil && exitedWith(err, 1):
		// dpkg-query(1): exit 1 is "no package found".
		return dbRecord{}, nil
	case err != nil:
		return dbRecord{}, fmt.Errorf("query %s: %w", name, newCommandError("dpkg-query -W "+name, stderr, err))
	}
	r, err := parseRecord(string(stdout))
	if err != nil {
		return dbRecord{}, fmt.Errorf("query %s: %w", name, err)
	}
	return r, nil
}

// parseRecord parses one "want eflag status\tversion\n" line. Several lines
// mean several architectures of a Multi-Arch: same package, which neco does
// not install; it says so rather than pick one.
func parseRecord(out string) (dbRecord, error) {
	line := strings.TrimSuffix(out, "\n")
	if strings.Contains(line, "\n") {
		return dbRecord{}, fmt.Errorf("dpkg-query listed several instances: %q", out)
	}
	status, version, ok := strings.Cut(line, "\t")
	words := strings.Fields(status)
	if !ok || len(words) != 3 {
		return dbRecord{}, fmt.Errorf("unexpected dpkg-query output %q", out)
	}
	return dbRecord{want: words[0], eflag: words[1], status: words[2], version: version}, nil
}
