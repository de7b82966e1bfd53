package function

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Run with `go test ./...`: calls Handle directly, no server needed.
func TestHandleGreetsTheNameFromTheQuery(t *testing.T) {
	rec := httptest.NewRecorder()
	Handle(rec, httptest.NewRequest(http.MethodGet, "/?name=Ada", nil))
	if got, want := strings.TrimSpace(rec.Body.String()), `{"message":"Hello Ada"}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestHandleGreetsTheNameFromAJSONBody(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"name":"Bob"}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	Handle(rec, req)
	if got, want := strings.TrimSpace(rec.Body.String()), `{"message":"Hello Bob"}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
