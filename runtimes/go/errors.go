package invoker

import (
	"encoding/json"
	"errors"
	"net/http"
)

// StatusCoder is implemented by errors that choose the HTTP status to answer with (400-599).
type StatusCoder interface {
	StatusCode() int
}

// StatusError is an error with an HTTP status, for functions that want to answer 4xx.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string   { return e.Message }
func (e *StatusError) StatusCode() int { return e.Status }

// StatusOf is the status an error answers with: its StatusCode() when in 400-599, else 500.
func StatusOf(err error) int {
	var coded StatusCoder
	if errors.As(err, &coded) {
		if s := coded.StatusCode(); s >= 400 && s <= 599 {
			return s
		}
	}
	return http.StatusInternalServerError
}

// WriteError answers {"error": "<message>"} with the given status.
func WriteError(w http.ResponseWriter, status int, message string) {
	body, _ := json.Marshal(map[string]string{"error": message})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
