package plan

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

var errNotAbsolute = errors.New("want an absolute path")

// checkArgv checks a command the worker will run without a shell: argv[0]
// an absolute path (no $PATH lookup deciding what runs as root), no NUL
// bytes (exec cannot pass them). With templates, VersionToken is the only
// "{{" allowed, so a misspelt "{{.version}}" fails here, not at run time;
// without, VersionToken itself is refused because it would not be expanded.
func checkArgv(path string, argv []string, templates bool, errs *fieldErrors) {
	if len(argv) == 0 {
		errs.add(path, errRequired)
		return
	}
	if !strings.HasPrefix(argv[0], "/") {
		errs.add(indexPath(path, 0), fmt.Errorf("%w, got %s", errNotAbsolute, quoteShort(argv[0])))
	}
	for i, arg := range argv {
		p := indexPath(path, i)
		switch {
		case strings.ContainsRune(arg, 0):
			errs.add(p, fmt.Errorf("%s: contains a NUL byte", quoteShort(arg)))
		case templates && strings.Contains(strings.ReplaceAll(arg, VersionToken, ""), "{{"):
			errs.add(p, fmt.Errorf("%s: the only template is %s", quoteShort(arg), VersionToken))
		case !templates && strings.Contains(arg, VersionToken):
			errs.add(p, fmt.Errorf("%s: %s is expanded only in once[].exec", quoteShort(arg), VersionToken))
		}
	}
}

// checkHTTPURL wants what the health check can GET: an absolute http or
// https URL with a host.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an absolute http(s) URL, got %s", quoteShort(s))
	}
	return nil
}
