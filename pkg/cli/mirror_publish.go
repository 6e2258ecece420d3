package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/releases"
)

func newMirrorPublishCommand(env Env) *cobra.Command {
	var req mirror.PublishRequest
	var dir string
	cmd := &cobra.Command{
		Use:   "publish --dir DIR --repo OWNER/NAME --tag TAG [--prerelease] FILE...",
		Short: "Add a release with the given files to a mirror directory",
		Long: `Add release TAG of OWNER/NAME to the mirror, attaching FILEs as assets.
A SHA256SUMS asset is generated over the files unless one of them is
called SHA256SUMS (it is then attached as given, e.g. with its
SHA256SUMS.sig) or --no-checksums is set. Publishing is atomic and an
existing tag is refused.`,
		Example: `  neco mirror publish --dir /srv/neco-mirror --repo example/site \
      --tag release-2026.11.23-1 --prerelease site_2026.11.23-1_amd64.deb`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, files []string) error {
			if dir == "" || req.Repo == "" || req.Tag == "" {
				return errors.New("--dir, --repo and --tag are required")
			}
			req.Files = files
			rel, err := mirror.Publish(dir, req)
			if err != nil {
				return err
			}
			if _, _, err := releases.ParseTag(req.Tag); err != nil {
				fmt.Fprintf(env.Stderr, "note: %v; neco will list but never pick it\n", err)
			}
			fmt.Fprintf(env.Stdout, "published %s (%d assets) to %s\n", rel.Tag, len(rel.Assets), dir)
			for _, a := range rel.Assets {
				fmt.Fprintf(env.Stdout, "  %s\t%d bytes\n", a.Name, a.Size)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dir, "dir", "", "mirror directory (required; created if missing)")
	fl.StringVar(&req.Repo, "repo", "", "repository, OWNER/NAME (required)")
	fl.StringVar(&req.Tag, "tag", "", "release tag, PREFIX-VERSION for site releases (required)")
	fl.StringVar(&req.Name, "name", "", "release title (default: the tag)")
	fl.StringVar(&req.Body, "body", "", "release notes")
	fl.BoolVar(&req.Prerelease, "prerelease", false, "mark as a pre-release (taken by staging and dev only)")
	fl.BoolVar(&req.Draft, "draft", false, "mark as a draft (never taken)")
	fl.BoolVar(&req.NoChecksums, "no-checksums", false, "do not generate SHA256SUMS")
	return cmd
}
