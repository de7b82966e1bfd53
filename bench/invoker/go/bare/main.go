// The baseline: the smallest useful net/http server answering the same text.
package main

import (
	"io"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "Hello world")
	})
	if err := http.ListenAndServe(":"+port, handler); err != nil {
		panic(err)
	}
}
