package dctest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/deb/debtest"
)

// The Debian package, built with `make deb` as a release would be, then
// installed with dpkg into a throwaway root: the files land where the
// units, man and completions expect them, the config is a conffile, the
// units are not enabled, and the binaries carry the changelog's version.
func TestPackage(t *testing.T) {
	needPackaging(t)
	repo := repoRoot(t)
	version := output(t, "dpkg-parsechangelog", "-l", filepath.Join(repo, "debian/changelog"), "-S", "Version")
	arch := output(t, "dpkg", "--print-architecture")
	makeDeb(t, repo)
	deb := filepath.Join(repo, "build", fmt.Sprintf("neco_%s_%s.deb", version, arch))
	// The build ran in a copy: nothing of it in the tree or beside it.
	for _, pattern := range []string{"debian/.debhelper", "debian/files", "debian/neco", "_build", "../neco_*"} {
		if m, _ := filepath.Glob(filepath.Join(repo, pattern)); len(m) > 0 {
			t.Errorf("make deb left %v outside build/", m)
		}
	}

	root := debtest.NewRoot(t)
	// deb-systemd-invoke asks the root's policy-rc.d; 101 means "start
	// nothing", as in a chroot. The maintainer scripts run outside the root
	// (it has no shell), with DPKG_ROOT pointing into it; the package's
	// Depends (libc6, systemd) are not in the root.
	writeFile(t, filepath.Join(root, "usr/sbin/policy-rc.d"), "#!/bin/sh\nexit 101\n", 0o755)
	output(t, "dpkg", "--root="+root, "--force-depends", "--force-script-chrootless", "-i", deb)

	if got := output(t, "dpkg-query", "--root="+root, "-W", "-f=${Status} ${Version}", "neco"); got != "install ok installed "+version {
		t.Errorf("dpkg-query: %q, want installed %s", got, version)
	}

	t.Run("files", func(t *testing.T) {
		files := map[string]bool{}
		for _, f := range strings.Split(output(t, "dpkg", "--root="+root, "-L", "neco"), "\n") {
			files[f] = true
		}
		for _, want := range []string{
			"/usr/bin/neco", "/usr/bin/neco-updater", "/usr/bin/neco-worker", "/usr/bin/neco-etcd",
			"/lib/systemd/system/neco-updater.service", "/lib/systemd/system/neco-worker.service",
			"/lib/systemd/system/neco-mirror.service", "/lib/systemd/system/neco-etcd.service",
			"/etc/neco/config.yml",
			"/usr/share/bash-completion/completions/neco", "/usr/share/zsh/vendor-completions/_neco",
			"/usr/share/man/man1/neco.1.gz", "/usr/share/man/man1/neco-status.1.gz",
			"/usr/share/man/man1/neco-config-set.1.gz", "/usr/share/man/man1/neco-updater.1.gz",
			"/usr/share/man/man1/neco-worker.1.gz", "/usr/share/man/man1/neco-etcd.1.gz",
			"/usr/share/doc/neco/copyright",
		} {
			if !files[want] {
				t.Errorf("dpkg -L neco lacks %s", want)
			}
		}
		if files["/usr/share/man/man1/neco-generate-docs.1.gz"] {
			t.Error("the hidden generate-docs command has a man page")
		}
		// The completion scripts are cobra's, for the command named neco.
		bash := readFile(t, filepath.Join(root, "usr/share/bash-completion/completions/neco"))
		if !strings.Contains(bash, "complete -o default -F __start_neco neco") {
			t.Errorf("bash completion does not complete neco:\n%.300s", bash)
		}
		if zsh := readFile(t, filepath.Join(root, "usr/share/zsh/vendor-completions/_neco")); !strings.HasPrefix(zsh, "#compdef neco") {
			t.Errorf("zsh completion does not start with #compdef neco:\n%.300s", zsh)
		}
	})

	t.Run("conffile", func(t *testing.T) {
		got := output(t, "dpkg-query", "--root="+root, "-W", "-f=${Conffiles}", "neco")
		if !regexp.MustCompile(`(?m)^ ?/etc/neco/config\.yml [0-9a-f]{32}$`).MatchString(got) {
			t.Errorf("conffiles %q, want /etc/neco/config.yml with its md5sum", got)
		}
	})

	t.Run("units not enabled", func(t *testing.T) {
		// The postinst ran (deb-systemd-helper recorded the units) and
		// enabled nothing: a server must be configured first.
		for _, unit := range []string{"neco-updater.service", "neco-worker.service"} {
			if _, err := os.Stat(filepath.Join(root, "var/lib/systemd/deb-systemd-helper-enabled", unit+".dsh-also")); err != nil {
				t.Errorf("postinst did not record %s: %v", unit, err)
			}
			if _, err := os.Lstat(filepath.Join(root, "etc/systemd/system/multi-user.target.wants", unit)); err == nil {
				t.Errorf("%s is enabled on installation", unit)
			}
		}
		// neco-etcd.service has no [Install]: neco-updater.service
		// wants it.
		if wants, err := os.ReadFile(filepath.Join(root, "lib/systemd/system/neco-updater.service")); err != nil ||
			!regexp.MustCompile(`(?m)^Wants=.*\bneco-etcd\.service\b`).Match(wants) {
			t.Errorf("neco-updater.service does not want neco-etcd.service (%v)", err)
		}
	})

	t.Run("version", func(t *testing.T) {
		for _, argv := range [][]string{{"neco", "version"}, {"neco", "--version"}, {"neco-updater", "--version"}, {"neco-worker", "--version"}, {"neco-etcd", "--version"}} {
			if got := output(t, filepath.Join(root, "usr/bin", argv[0]), argv[1:]...); got != version {
				t.Errorf("%s: %q, want %q (debian/changelog)", strings.Join(argv, " "), got, version)
			}
		}
	})

	t.Run("config", func(t *testing.T) {
		installed := filepath.Join(root, "etc/neco/config.yml")
		if got, want := readFile(t, installed), readFile(t, filepath.Join(repo, "debian/config.yml")); got != want {
			t.Errorf("installed config.yml differs from debian/config.yml")
		}
		l, err := config.LoadLocal(installed)
		if err != nil {
			t.Fatalf("the shipped config.yml breaks the daemons: %v", err)
		}
		sameConfig(t, l, config.DefaultLocal())
	})
}

// debian/config.yml, the conffile: every key of the local config is there,
// commented out, with its default and an explanation; uncommenting all of
// it changes nothing. Runs without the packaging tools.
func TestShippedConfig(t *testing.T) {
	text := readFile(t, filepath.Join(repoRoot(t), "debian/config.yml"))

	l, err := config.ParseLocal(strings.NewReader(text))
	if err != nil {
		t.Fatalf("as shipped: %v", err)
	}
	sameConfig(t, l, config.DefaultLocal())

	uncommented := uncomment(text)
	l, err = config.ParseLocal(strings.NewReader(uncommented))
	if err != nil {
		t.Fatalf("uncommented: %v\n%s", err, uncommented)
	}
	sameConfig(t, l, config.DefaultLocal())

	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(uncommented), &doc); err != nil || len(doc.Content) == 0 {
		t.Fatalf("uncommented config.yml holds no settings (%v):\n%s", err, uncommented)
	}
	got, want := yamlKeys(doc.Content[0], ""), structKeys(reflect.TypeOf(config.Local{}), "")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keys in config.yml:\n  %v\nkeys of config.Local:\n  %v", got, want)
	}

	for _, line := range strings.Split(text, "\n") {
		if settingLine.MatchString(line) && !strings.Contains(strings.TrimPrefix(line, "# "), "  # ") {
			t.Errorf("no explanation after the setting: %q", line)
		}
	}
}

// settingLine is a commented-out setting ("# key: value", "#   key:"), as
// opposed to prose, which never starts with a lowercase "word:".
var settingLine = regexp.MustCompile(`(?m)^# ( *[a-z][a-z-]*:( .*)?)$`)

func uncomment(text string) string {
	return settingLine.ReplaceAllString(strings.ReplaceAll(text, "\r", ""), "$1")
}

// yamlKeys lists the dotted paths of every key under a mapping node.
func yamlKeys(n *yaml.Node, prefix string) []string {
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		path := prefix + n.Content[i].Value
		keys = append(keys, path)
		if v := n.Content[i+1]; v.Kind == yaml.MappingNode && v.Style != yaml.FlowStyle {
			keys = append(keys, yamlKeys(v, path+".")...)
		}
	}
	sort.Strings(keys)
	return keys
}

// structKeys lists the dotted yaml paths of every field of t, descending
// into nested structs (not into maps: their keys are data).
func structKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		keys = append(keys, prefix+name)
		if f.Type.Kind() == reflect.Struct {
			keys = append(keys, structKeys(f.Type, prefix+name+".")...)
		}
	}
	sort.Strings(keys)
	return keys
}

// sameConfig compares through YAML, where an empty list and a missing one
// are the same setting.
func sameConfig(t *testing.T, got, want config.Local) {
	t.Helper()
	g, err := yaml.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := yaml.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g, w) {
		t.Errorf("config differs from the defaults:\n%s\nwant:\n%s", g, w)
	}
}

// needPackaging skips when the tools make deb needs are missing.
func needPackaging(t *testing.T) {
	t.Helper()
	debtest.NeedDpkg(t)
	for bin, pkg := range map[string]string{
		"make": "make", "dpkg-buildpackage": "dpkg-dev", "dpkg-parsechangelog": "dpkg-dev",
		"dh": "debhelper", "deb-systemd-helper": "init-system-helpers",
	} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not found: install the Debian package %s", bin, pkg)
		}
	}
}

// makeDeb runs `make deb` in the repository, as a release build does.
func makeDeb(t *testing.T, repo string) {
	t.Helper()
	// A cold build (empty Go build cache) takes minutes; stop before the
	// test binary's own timeout so that the log is printed.
	deadline := time.Now().Add(10 * time.Minute)
	if d, ok := t.Deadline(); ok {
		deadline = d.Add(-30 * time.Second)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "deb")
	cmd.Dir = repo
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make deb: %v\n%s", err, tail(out, 60))
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "debian/control")); err != nil {
		t.Fatalf("repository root not found from dctest/: %v", err)
	}
	return dir
}

// output runs a command and returns its trimmed standard output.
func output(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return strings.TrimSpace(string(out))
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// tail keeps the last n lines of a long build log.
func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
