package invoker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serve starts a Server on a free loopback port; stop cancels it and returns Serve's result.
func serve(t *testing.T, cfg Config, fn http.Handler) (url string, stop func() error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewServer(cfg, fn).Serve(ctx, l) }()
	var once bool
	var result error
	stop = func() error {
		if !once {
			once = true
			cancel()
			result = <-done
		}
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return "http://" + l.Addr().String(), stop
}

func defaults() Config {
	return Config{Port: 0, MaxBodyBytes: 1024, ShutdownTimeout: 5 * time.Second, Template: "http"}
}

func echo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/panic":
			panic("boom in Handle")
		case "/panic-after-write":
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, "partial")
			panic("late boom")
		case "/slow":
			time.Sleep(700 * time.Millisecond)
		}
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %d", r.Method, r.URL.Path, len(body))
	})
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestHealthEndpoints(t *testing.T) {
	url, _ := serve(t, defaults(), echo())
	for _, path := range []string{"/health/liveness", "/health/readiness"} {
		if status, body := get(t, url+path); status != 200 || body != "OK" {
			t.Fatalf("%s: %d %q", path, status, body)
		}
	}
}

func TestRequestsReachTheFunctionWithTheirBody(t *testing.T) {
	url, _ := serve(t, defaults(), echo())
	res, err := http.Post(url+"/x", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if string(b) != "POST /x 5" {
		t.Fatalf("got %q", b)
	}
}

func TestAPanicAnswers500JSONAndTheServerKeepsServing(t *testing.T) {
	url, _ := serve(t, defaults(), echo())
	res, err := http.Get(url + "/panic")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	_ = json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != 500 || body["error"] != "boom in Handle" || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %v", res.StatusCode, body)
	}
	if status, _ := get(t, url+"/"); status != 200 {
		t.Fatalf("server did not keep serving: %d", status)
	}
}

func TestAPanicAfterTheAnswerStartedKeepsThatStatus(t *testing.T) {
	url, _ := serve(t, defaults(), echo())
	res, err := http.Get(url + "/panic-after-write")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("got %d", res.StatusCode)
	}
}

func TestABodyOverTheLimitAnswers413(t *testing.T) {
	url, _ := serve(t, defaults(), echo())
	// Declared length.
	res, err := http.Post(url+"/", "text/plain", strings.NewReader(strings.Repeat("x", 2000)))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	_ = json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != 413 || !strings.Contains(body["error"], "larger than 1024 bytes") {
		t.Fatalf("got %d %v", res.StatusCode, body)
	}
	// Chunked: no length is known up front.
	req, _ := http.NewRequest(http.MethodPost, url+"/", io.MultiReader(strings.NewReader(strings.Repeat("y", 600)), strings.NewReader(strings.Repeat("y", 600))))
	req.ContentLength = -1
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 413 {
		t.Fatalf("chunked: got %d", res.StatusCode)
	}
}

func TestStopLetsAnInFlightRequestFinish(t *testing.T) {
	url, stop := serve(t, defaults(), echo())
	type answer struct {
		status int
		body   string
	}
	answered := make(chan answer, 1)
	go func() {
		status, body := get(t, url+"/slow")
		answered <- answer{status, body}
	}()
	time.Sleep(200 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("Serve returned %v", err)
	}
	got := <-answered
	if got.status != 200 || got.body != "GET /slow 0" {
		t.Fatalf("got %+v", got)
	}
	if _, err := http.Get(url + "/"); err == nil {
		t.Fatal("still accepting after stop")
	}
}

func TestStopGivesUpAfterTheShutdownTimeout(t *testing.T) {
	cfg := defaults()
	cfg.ShutdownTimeout = 100 * time.Millisecond
	url, stop := serve(t, cfg, echo())
	go func() { _, _ = http.Get(url + "/slow") }()
	time.Sleep(200 * time.Millisecond)
	if err := stop(); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("Serve returned %v", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := ConfigFromEnv(env(map[string]string{"FN_FUNCTION_DIR": "/f"}))
	if err != nil || cfg.Port != 8080 || cfg.MaxBodyBytes != 10<<20 || cfg.ShutdownTimeout != 30*time.Second || cfg.Template != "http" || cfg.FunctionDir != "/f" {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	cfg, err = ConfigFromEnv(env(map[string]string{"PORT": "9000", "FN_MAX_BODY_BYTES": "5", "FN_TEMPLATE": "cloudevents", "FN_SHUTDOWN_TIMEOUT_SECONDS": "2"}))
	if err != nil || cfg.Port != 9000 || cfg.MaxBodyBytes != 5 || cfg.Template != "cloudevents" || cfg.ShutdownTimeout != 2*time.Second {
		t.Fatalf("set: %+v %v", cfg, err)
	}
	for name, value := range map[string]string{"PORT": "eighty", "FN_MAX_BODY_BYTES": "-1", "FN_TEMPLATE": "grpc", "FN_SHUTDOWN_TIMEOUT_SECONDS": "1.5"} {
		if _, err := ConfigFromEnv(env(map[string]string{name: value})); err == nil || !strings.Contains(err.Error(), name) {
			t.Fatalf("%s=%s: %v", name, value, err)
		}
	}
}

func TestStatusOf(t *testing.T) {
	if StatusOf(fmt.Errorf("plain")) != 500 || StatusOf(&StatusError{Status: 422, Message: "x"}) != 422 || StatusOf(fmt.Errorf("wrapped: %w", &StatusError{Status: 404})) != 404 || StatusOf(&StatusError{Status: 200}) != 500 {
		t.Fatal("StatusOf")
	}
}
