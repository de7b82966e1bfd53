package invoker_test

// End to end: prepare.sh compiles a function folder (module "function") with the invoker, and the
// binary behaves as fn run expects: answers, survives a panic, and exits 0 after SIGTERM once its
// in-flight request is answered.

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const slowFunction = `package function

import (
	"fmt"
	"net/http"
	"time"
)

func Handle(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/slow":
		time.Sleep(800 * time.Millisecond)
	case "/panic":
		panic("boom")
	}
	fmt.Fprintf(w, "done %s", r.URL.Path)
}
`

func build(t *testing.T, dir, template string) string {
	t.Helper()
	cmd := exec.Command("sh", "prepare.sh")
	cmd.Env = append(os.Environ(), "FN_FUNCTION_DIR="+dir, "FN_TEMPLATE="+template)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("prepare.sh: %v\n%s", err, out.String())
	}
	return filepath.Join(dir, ".fn", "go", "fn-function")
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func start(t *testing.T, binary, dir string, env ...string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(binary)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Env = append(append(os.Environ(), fmt.Sprintf("PORT=%d", port), "FN_FUNCTION_DIR="+dir), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	for i := 0; ; i++ {
		if res, err := http.Get(url + "/health/readiness"); err == nil && res.StatusCode == 200 {
			res.Body.Close()
			return cmd, url, &stderr
		}
		if i > 200 {
			t.Fatalf("not ready: %s", stderr.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func writeFunction(t *testing.T, files map[string]string) string {
	dir := filepath.Join(t.TempDir(), "fnfunc")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCompiledFunctionServesSurvivesAPanicAndStopsGracefully(t *testing.T) {
	dir := writeFunction(t, map[string]string{"go.mod": "module function\n\ngo 1.23.0\n", "handle.go": slowFunction})
	cmd, url, stderr := start(t, build(t, dir, "http"), dir)

	res, err := http.Get(url + "/panic")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 500 || string(body) != `{"error":"boom"}` {
		t.Fatalf("panic: %d %s", res.StatusCode, body)
	}

	answered := make(chan string, 1)
	go func() {
		res, err := http.Get(url + "/slow")
		if err != nil {
			answered <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		answered <- fmt.Sprintf("%d %s", res.StatusCode, b)
	}()
	time.Sleep(250 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if got := <-answered; got != "200 done /slow" {
		t.Fatalf("in-flight request: %s", got)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Handle panicked") {
		t.Fatalf("panic not logged: %s", stderr.String())
	}
}

func TestTheTemplatesCompileAndAnswer(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", "..", "src", "templates", "go"))
	for _, template := range []string{"http", "cloudevents"} {
		files := map[string]string{}
		entries, err := os.ReadDir(filepath.Join(root, template))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(root, template, e.Name()))
			files[e.Name()] = strings.ReplaceAll(string(b), "{{fn.name}}", "fnfunc")
		}
		dir := writeFunction(t, files)
		_, url, _ := start(t, build(t, dir, template), dir, "FN_TEMPLATE="+template)
		req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(`{"name":"Ada"}`))
		req.Header.Set("Content-Type", "application/json")
		if template == "cloudevents" {
			req.Header.Set("Ce-Id", "1")
			req.Header.Set("Ce-Specversion", "1.0")
			req.Header.Set("Ce-Type", "com.example.hello")
			req.Header.Set("Ce-Source", "/test")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.Contains(string(body), `"message":"Hello Ada"`) {
			t.Fatalf("%s: %d %s", template, res.StatusCode, body)
		}
		if template == "cloudevents" && res.Header.Get("Ce-Type") != "com.example.greeting" {
			t.Fatalf("cloudevents: answer headers %v", res.Header)
		}
	}
}

func TestPrepareRefusesAModuleNotNamedFunction(t *testing.T) {
	dir := writeFunction(t, map[string]string{"go.mod": "module example.com/other\n\ngo 1.23.0\n", "handle.go": slowFunction})
	cmd := exec.Command("sh", "prepare.sh")
	cmd.Env = append(os.Environ(), "FN_FUNCTION_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "module function") {
		t.Fatalf("got %v: %s", err, out)
	}
}
