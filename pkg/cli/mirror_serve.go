package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/mirror"
)

func newMirrorServeCommand(env Env) *cobra.Command {
	var dir, listen, baseURL string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a mirror directory over GitHub's REST API paths",
		Long: `Serve DIR until interrupted. Releases published into DIR while serving are
visible at once. Point neco's github-api-url (or --api-url) at
http://LISTEN/.`,
		Example: `  neco mirror serve --dir /srv/neco-mirror --listen 127.0.0.1:8080`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return errors.New("--dir is required")
			}
			log := cliLogger(env.Stderr)
			handler := mirror.NewServer(dir, mirror.ServerOptions{Logger: log, BaseURL: baseURL})
			return serveUntilDone(cmd.Context(), listen, handler, func(addr string) {
				fmt.Fprintf(env.Stderr, "serving mirror %s on http://%s/\n", dir, addr)
			}, log)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "mirror directory (required)")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringVar(&baseURL, "base-url", "", "public root URL when clients reach the mirror through a proxy")
	return cmd
}

// serveUntilDone serves handler on listen until ctx ends, then shuts down
// gracefully; ready is told the bound address (useful with port 0).
func serveUntilDone(ctx context.Context, listen string, handler http.Handler, ready func(string), log *zap.Logger) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: zap.NewStdLog(log)}
	ready(ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	<-errc
	return nil
}
