// Package invoker is fn's Go invoker: it serves a function's http.Handler with health endpoints, a request
// body limit, a panic net (500 JSON) and a graceful stop on SIGTERM. The cloudevents sub-module adapts
// `func Handle(ctx, event.Event) (*event.Event, error)` to an http.Handler for it.
package invoker

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Config is read from the environment that fn (or the container) sets.
type Config struct {
	Port            int           // PORT, default 8080
	MaxBodyBytes    int64         // FN_MAX_BODY_BYTES, default 10 MiB; a larger body answers 413
	ShutdownTimeout time.Duration // FN_SHUTDOWN_TIMEOUT_SECONDS, default 30
	Template        string        // FN_TEMPLATE: http or cloudevents
	FunctionDir     string        // FN_FUNCTION_DIR, default the working directory
}

// ConfigFromEnv reads Config; a malformed value is an error naming the variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{Port: 8080, MaxBodyBytes: 10 << 20, ShutdownTimeout: 30 * time.Second, Template: "http"}
	whole := func(name string, set func(int64)) error {
		raw := getenv(name)
		if raw == "" {
			return nil
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%s=%s is not a whole number", name, raw)
		}
		set(n)
		return nil
	}
	if err := whole("PORT", func(n int64) { cfg.Port = int(n) }); err != nil {
		return cfg, err
	}
	if err := whole("FN_MAX_BODY_BYTES", func(n int64) { cfg.MaxBodyBytes = n }); err != nil {
		return cfg, err
	}
	if err := whole("FN_SHUTDOWN_TIMEOUT_SECONDS", func(n int64) { cfg.ShutdownTimeout = time.Duration(n) * time.Second }); err != nil {
		return cfg, err
	}
	if t := getenv("FN_TEMPLATE"); t != "" {
		if t != "http" && t != "cloudevents" {
			return cfg, fmt.Errorf("FN_TEMPLATE=%s is not supported; use http or cloudevents", t)
		}
		cfg.Template = t
	}
	cfg.FunctionDir = getenv("FN_FUNCTION_DIR")
	if cfg.FunctionDir == "" {
		cfg.FunctionDir, _ = os.Getwd()
	}
	return cfg, nil
}
