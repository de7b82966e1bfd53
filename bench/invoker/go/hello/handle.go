// The benchmarked function, one file for fn's Go invoker and for func-go (Knative func's Go middleware):
// the http signature both take.
package function

import (
	"io"
	"net/http"
)

func Handle(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "Hello world")
}
