// Package function is your function. fn's invoker imports it and calls Handle for every HTTP request.
package function

import (
	"encoding/json"
	"log"
	"net/http"
)

// Handle answers a request like any net/http handler. Read the name from ?name=... or a JSON body
// {"name": "..."} and answer {"message": "Hello <name>"}.
//
// A panic answers 500 {"error": "..."} and is logged; the server keeps running. Request bodies larger
// than FN_MAX_BODY_BYTES (10 MiB) are refused with 413 before Handle is called.
//
// Try it: `fn run`, then `fn invoke` or `curl 'http://127.0.0.1:8080/?name=Ada'`.
func Handle(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if name == "" && r.Header.Get("Content-Type") == "application/json" {
		var in struct {
			Name string `json:"name"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, "the body is not valid JSON: "+err.Error(), http.StatusBadRequest)
			return
		}
		name = in.Name
	}
	if name == "" {
		name = "world"
	}
	log.Printf("{{fn.name}}: saying hello to %s", name)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"message": "Hello " + name})
}
