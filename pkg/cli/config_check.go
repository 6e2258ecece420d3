package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/releases"
	"github.com/necoship/neco/pkg/storage"
)

// checkConfigMeaning refuses what a single key's rule cannot see: a value
// that is well-formed but unusable (signing keys that are not OpenPGP
// keys), or one that is fine alone but not with the rest of the stored
// config (a token and a plain-http API URL to another machine). What the
// operator cannot read (a secret under etcd auth) is warned about on w.
func checkConfigMeaning(ctx context.Context, w io.Writer, store *storage.Storage, name, value string) error {
	switch name {
	case "signing-keys":
		if _, err := releases.NewVerifier(value); err != nil {
			return fmt.Errorf("signing-keys: %w", err)
		}
	case "github-api-url", "github-token", "github-asset-token":
		return checkTokenURL(ctx, w, store, name, value)
	}
	return nil
}

func checkTokenURL(ctx context.Context, w io.Writer, store *storage.Storage, name, value string) error {
	list, err := store.ListConfig(ctx)
	if err != nil {
		return fmt.Errorf("read the config to check %s against it: %w", name, err)
	}
	values := list.Values
	values[name] = value
	apiURL := values["github-api-url"]
	if apiURL == "" {
		k, _ := config.LookupKey("github-api-url")
		apiURL = k.Default
	}
	hasToken := values["github-token"] != "" || values["github-asset-token"] != ""
	if err := model.CheckTokenURL(apiURL, hasToken); err != nil {
		return err
	}
	if !hasToken && len(list.Unreadable) > 0 {
		if err := model.CheckTokenURL(apiURL, true); err != nil {
			fmt.Fprintf(w, "warning: %v (these etcd credentials cannot read %v to tell; neco refuses to send a token there)\n",
				err, list.Unreadable)
		}
	}
	return nil
}
