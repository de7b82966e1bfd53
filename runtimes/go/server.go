package invoker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync/atomic"
)

// Logger writes the invoker's own lines (errors, lifecycle) to stderr.
var Logger = log.New(log.Writer(), "", log.LstdFlags)

// Server wraps a function's handler.
type Server struct {
	cfg      Config
	http     *http.Server
	draining atomic.Bool
}

// NewServer builds the server around fn: /health/liveness and /health/readiness, everything else to fn
// with the body read (at most MaxBodyBytes, else 413) and panics answered with 500.
func NewServer(cfg Config, fn http.Handler) *Server {
	s := &Server{cfg: cfg}
	mux := http.NewServeMux()
	mux.HandleFunc("/health/liveness", s.health)
	mux.HandleFunc("/health/readiness", s.health)
	mux.Handle("/", s.wrap(fn))
	s.http = &http.Server{Handler: mux}
	return s
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.draining.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "shutting down")
		return
	}
	_, _ = io.WriteString(w, "OK")
}

func (s *Server) wrap(fn http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.draining.Load() {
			w.Header().Set("Connection", "close")
		}
		if r.ContentLength > s.cfg.MaxBodyBytes {
			s.tooLarge(w)
			return
		}
		// The whole body is read up front so that an oversized chunked body answers 413 whatever the
		// function does with it.
		if r.Body != nil && r.Body != http.NoBody {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					s.tooLarge(w)
				} else {
					WriteError(w, http.StatusBadRequest, "cannot read the request body: "+err.Error())
				}
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		rw := &responseWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				Logger.Printf("error: Handle panicked on %s %s: %v\n%s", r.Method, r.URL.Path, p, debug.Stack())
				if !rw.wroteHeader {
					WriteError(w, http.StatusInternalServerError, fmt.Sprint(p))
				}
			}
		}()
		fn.ServeHTTP(rw, r)
	})
}

func (s *Server) tooLarge(w http.ResponseWriter) {
	w.Header().Set("Connection", "close") // the rest of the body is not read
	WriteError(w, http.StatusRequestEntityTooLarge, "request body is larger than "+strconv.FormatInt(s.cfg.MaxBodyBytes, 10)+" bytes (FN_MAX_BODY_BYTES)")
}

// Serve answers on l until ctx is cancelled, then stops accepting, lets in-flight requests finish (at
// most ShutdownTimeout) and returns nil when they all did.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	served := make(chan error, 1)
	go func() { served <- s.http.Serve(l) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.http.SetKeepAlivesEnabled(false)
	stopCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := s.http.Shutdown(stopCtx); err != nil {
		_ = s.http.Close()
		return fmt.Errorf("requests still running after %s: %w", s.cfg.ShutdownTimeout, err)
	}
	return nil
}

// responseWriter remembers whether the function started its answer, so that a panic after that point
// is not answered twice.
type responseWriter struct {
	http.ResponseWriter
	wroteHeader bool
}

func (w *responseWriter) WriteHeader(status int) {
	w.wroteHeader = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

func (w *responseWriter) Flush() {
	w.wroteHeader = true
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
