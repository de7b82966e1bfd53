package cloudevents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"fninvoker"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

func fn(ctx context.Context, e event.Event) (*event.Event, error) {
	switch e.Type() {
	case "com.test.nothing":
		return nil, nil
	case "com.test.error":
		return nil, errors.New("event boom")
	case "com.test.bad-request":
		return nil, &invoker.StatusError{Status: 400, Message: "name is required"}
	case "com.test.anonymous":
		out := event.New()
		out.SetType("com.test.answer")
		return &out, nil
	}
	var in map[string]any
	_ = e.DataAs(&in)
	out := event.New()
	out.SetID("answer-1")
	out.SetType("com.test.answer")
	out.SetSource("/answerer")
	_ = out.SetData(event.ApplicationJSON, map[string]any{"echo": in, "type": e.Type()})
	return &out, nil
}

func newEvent(typ string) event.Event {
	e := event.New()
	e.SetID("in-1")
	e.SetType(typ)
	e.SetSource("/tests")
	_ = e.SetData(event.ApplicationJSON, map[string]string{"name": "Ada"})
	return e
}

// send writes e in the given mode, serves it, and reads the answer event (if any).
func send(t *testing.T, e event.Event, structured bool) (*httptest.ResponseRecorder, *event.Event) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	ctx := binding.WithForceBinary(context.Background())
	if structured {
		ctx = binding.WithForceStructured(context.Background())
	}
	if err := cehttp.WriteRequest(ctx, binding.ToMessage(&e), req); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	Handler(fn, "/fn/test").ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return rec, nil
	}
	answer, err := cehttp.NewEventFromHTTPResponse(rec.Result())
	if err != nil {
		t.Fatalf("answer is not an event: %v (%s)", err, rec.Body)
	}
	return rec, answer
}

func TestBinaryInBinaryOut(t *testing.T) {
	rec, answer := send(t, newEvent("com.test.hello"), false)
	if rec.Header().Get("Ce-Id") != "answer-1" {
		t.Fatalf("not a binary answer: %v", rec.Header())
	}
	var data map[string]any
	_ = answer.DataAs(&data)
	if answer.Type() != "com.test.answer" || data["type"] != "com.test.hello" || data["echo"].(map[string]any)["name"] != "Ada" {
		t.Fatalf("got %s", answer)
	}
}

func TestStructuredInStructuredOut(t *testing.T) {
	rec, answer := send(t, newEvent("com.test.hello"), true)
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/cloudevents+json") || rec.Header().Get("Ce-Id") != "" {
		t.Fatalf("not a structured answer: %v", rec.Header())
	}
	if answer.ID() != "answer-1" {
		t.Fatalf("got %s", answer)
	}
}

func TestMissingIDAndSourceAreFilledIn(t *testing.T) {
	_, answer := send(t, newEvent("com.test.anonymous"), false)
	if answer.ID() == "" || answer.Source() != "/fn/test" || answer.SpecVersion() != "1.0" {
		t.Fatalf("got %s", answer)
	}
}

func TestNilAnswers204(t *testing.T) {
	if rec, _ := send(t, newEvent("com.test.nothing"), false); rec.Code != http.StatusNoContent {
		t.Fatalf("got %d", rec.Code)
	}
}

func TestErrorsAnswerJSONWithTheirStatus(t *testing.T) {
	for typ, want := range map[string]struct {
		status  int
		message string
	}{"com.test.error": {500, "event boom"}, "com.test.bad-request": {400, "name is required"}} {
		rec, _ := send(t, newEvent(typ), false)
		var body map[string]string
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != want.status || body["error"] != want.message {
			t.Fatalf("%s: got %d %s", typ, rec.Code, rec.Body)
		}
	}
}

func TestARequestThatIsNotAnEventAnswers400(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewBufferString(`{"a":1}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	Handler(fn, "/fn/test").ServeHTTP(rec, req)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "not a valid CloudEvent") {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

func TestDefaultSource(t *testing.T) {
	t.Setenv("FN_CE_SOURCE", "")
	t.Setenv("K_SERVICE", "")
	t.Setenv("FN_FUNCTION_DIR", "/work/hello")
	if got := DefaultSource(); got != "/fn/hello" {
		t.Fatalf("got %s", got)
	}
	t.Setenv("K_SERVICE", "svc")
	if got := DefaultSource(); got != "/fn/svc" {
		t.Fatalf("got %s", got)
	}
	t.Setenv("FN_CE_SOURCE", "urn:x")
	if got := DefaultSource(); got != "urn:x" {
		t.Fatalf("got %s", got)
	}
}
