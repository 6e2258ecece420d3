package cli

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/necoship/neco/pkg/buildinfo"
)

// The Debian package's build runs the neco it has just built with
// generate-docs, so the man pages are made from the very command tree they
// describe and never drift from --help.

func newGenerateDocsCommand(env Env) *cobra.Command {
	var manDir string
	cmd := &cobra.Command{
		Use:    "generate-docs --man DIR",
		Short:  "Write a man page for neco and each of its commands (for packaging)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if manDir == "" {
				return errors.New("--man is required")
			}
			date, err := manDate(env)
			if err != nil {
				return err
			}
			return WriteManPages(cmd.Root(), manDir, date)
		},
	}
	cmd.Flags().StringVar(&manDir, "man", "", "directory the section 1 pages are written to (created if missing)")
	return cmd
}

// manDate is the date the pages carry: SOURCE_DATE_EPOCH when set (the
// package build sets it from debian/changelog, so rebuilds are
// byte-identical), else today.
func manDate(env Env) (time.Time, error) {
	if s := env.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: want seconds since 1970", s)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	if env.Now != nil {
		return env.Now().UTC(), nil
	}
	return time.Now().UTC(), nil
}

// WriteManPages writes NAME.1 into dir for root and for every command
// below it that --help lists (hidden commands and help are left out); NAME
// is the command path joined by "-", as in neco-config-set.1. cobra/doc
// renders them, so the pages follow --help exactly.
func WriteManPages(root *cobra.Command, dir string, date time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	// The auto-generated tag would stamp today's date into every page
	// and make rebuilds differ.
	root.DisableAutoGenTag = true
	header := &doc.GenManHeader{
		Title:   "",
		Section: "1",
		Date:    &date,
		Source:  "neco " + buildinfo.Version,
		Manual:  "neco manual",
	}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	return nil
}
