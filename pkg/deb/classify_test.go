package deb

import (
	"errors"
	"testing"
)

// TestClassify: dpkg's own words (dpkg 1.21, Debian 12, and the older
// script message) map to the classes that retrying cannot fix; the rest,
// a held lock above all, stays unclassified and is retried.
func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		name, stderr string
		class        error
		summary      string
	}{
		{"postinst", "boom\ndpkg: error processing package trapsite (--install):\n installed trapsite package post-installation script subprocess returned error exit status 3\nErrors were encountered while processing:\n trapsite\n",
			ErrScriptFailed, "trapsite post-installation script exited 3"},
		{"preinst, older dpkg", "dpkg: error processing archive x.deb (--install):\n subprocess new pre-installation script returned error exit status 1\n",
			ErrScriptFailed, "pre-installation script exited 1"},
		{"dependency", "dpkg: dependency problems prevent configuration of trapsite:\n trapsite depends on nonexistent-pkg; however:\n  Package nonexistent-pkg is not installed.\n\ndpkg: error processing package trapsite (--install):\n dependency problems - leaving unconfigured\n",
			ErrDependency, "trapsite: trapsite depends on nonexistent-pkg; however: Package nonexistent-pkg is not installed."},
		{"file conflict", "dpkg: error processing archive /tmp/x.deb (--install):\n trying to overwrite '/usr/bin/tool', which is also in package other-tool 1.2\n",
			ErrFileConflict, "/usr/bin/tool is also in package other-tool"},
		{"lock held", "dpkg: error: dpkg frontend lock was locked by another process with pid 4242\nNote: removing the lock file is always wrong\n", nil, ""},
		{"no space", "dpkg: error processing archive x.deb (--unpack):\n cannot copy extracted data for './usr/lib/x' to '/usr/lib/x.dpkg-new': failed to write (No space left on device)\n", nil, ""},
		{"nothing", "", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			summary, class := classify([]byte(tt.stderr))
			if !errors.Is(class, tt.class) || (class == nil) != (tt.class == nil) || summary != tt.summary {
				t.Errorf("classify = %v, %q; want %v, %q", class, summary, tt.class, tt.summary)
			}
		})
	}
}
