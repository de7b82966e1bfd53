// Package cloudevents adapts a CloudEvents function, func Handle(ctx, event.Event) (*event.Event, error),
// to an http.Handler for the invoker, with sdk-go reading binary and structured requests (binding.go adds
// what sdk-go leaves out: 400 for a message that is not a valid event, 415 for batches, percent-encoded
// ce- headers). The answer, in the request's mode:
//
//	a non-nil event, nil error → that event, 200 (a missing id, source or specversion is filled in)
//	nil, nil                   → 204 No Content
//	an error                   → 500 {"error": "..."} (or the error's StatusCode() when 400-599)
package cloudevents

import (
	"context"
	"net/http"

	"fninvoker"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/google/uuid"
)

// Func is the signature of a CloudEvents function.
type Func func(ctx context.Context, e event.Event) (*event.Event, error)

// Handler serves fn. source is used for answers that have none (e.g. "/fn/<name>").
func Handler(fn Func, source string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, mode, err := readEvent(r)
		if err != nil {
			invoker.WriteError(w, invoker.StatusOf(err), err.Error())
			return
		}
		out, err := fn(r.Context(), *in)
		if err != nil {
			status := invoker.StatusOf(err)
			if status >= 500 {
				invoker.Logger.Printf("error: Handle returned an error for event %s (%s): %v", in.ID(), in.Type(), err)
			}
			invoker.WriteError(w, status, err.Error())
			return
		}
		if out == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if out.ID() == "" {
			out.SetID(uuid.NewString())
		}
		if out.Source() == "" {
			out.SetSource(source)
		}
		if out.SpecVersion() == "" {
			out.SetSpecVersion(event.CloudEventsVersionV1)
		}
		if err := out.Validate(); err != nil {
			invoker.Logger.Printf("error: Handle returned an invalid event: %v", err)
			invoker.WriteError(w, http.StatusInternalServerError, "Handle returned an invalid CloudEvent: "+err.Error())
			return
		}
		ctx := binding.WithForceBinary(r.Context())
		if mode == "structured" {
			ctx = binding.WithForceStructured(r.Context())
		}
		if err := cehttp.WriteResponseWriter(ctx, binding.ToMessage(out), http.StatusOK, &headerEncoder{ResponseWriter: w}); err != nil {
			invoker.Logger.Printf("error: writing the answer event: %v", err)
		}
	})
}
