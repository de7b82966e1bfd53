package invoker

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

// Main is what the generated main package calls: read the config, listen on PORT, serve fn until SIGTERM
// or SIGINT, and exit 0 after a clean stop (1 on failure, 2 on a bad setting).
func Main(fn http.Handler) {
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		Logger.Printf("error: %v", err)
		os.Exit(2)
	}
	os.Exit(Run(cfg, fn))
}

// Run is Main without the exit, for tests.
func Run(cfg Config, fn http.Handler) int {
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		Logger.Printf("error: cannot listen on port %d: %v", cfg.Port, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		Logger.Printf("stopping: finishing in-flight requests")
	}()
	// Lifecycle lines go to stderr: stdout belongs to the function's own output.
	fmt.Fprintf(os.Stderr, "function listening on port %d (%s)\n", l.Addr().(*net.TCPAddr).Port, cfg.Template)
	if err := NewServer(cfg, fn).Serve(ctx, l); err != nil {
		Logger.Printf("error: %v", err)
		return 1
	}
	return 0
}
