package cloudevents

// The shared CloudEvents table (runtimes/conformance/cases.json) against the Go invoker's server serving
// the echo function, and the table's header values against its percent-encoding.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fninvoker"

	"github.com/cloudevents/sdk-go/v2/event"
)

type conformanceCase struct {
	Name string `json:"name"`
	Send struct {
		Tool []string `json:"tool"`
		Raw  *struct {
			Method     string            `json:"method"`
			Headers    map[string]string `json:"headers"`
			Body       *string           `json:"body"`
			BodyJSON   json.RawMessage   `json:"bodyJson"`
			BodyBase64 *string           `json:"bodyBase64"`
		} `json:"raw"`
	} `json:"send"`
	Expect struct {
		Status   int                        `json:"status"`
		Error    string                     `json:"error"`
		Received map[string]json.RawMessage `json:"received"`
		Reply    *struct {
			Mode    string                     `json:"mode"`
			Headers map[string]*string         `json:"headers"`
			Body    map[string]json.RawMessage `json:"body"`
		} `json:"reply"`
	} `json:"expect"`
}

type conformanceTable struct {
	HeaderValues []struct {
		Decoded    string `json:"decoded"`
		Encoded    string `json:"encoded"`
		DecodeOnly bool   `json:"decodeOnly"`
		Invalid    bool   `json:"invalid"`
		Why        string `json:"why"`
	} `json:"headerValues"`
	Cases []conformanceCase `json:"cases"`
}

const conformanceDir = "../../conformance"

func loadTable(t *testing.T) conformanceTable {
	t.Helper()
	b, err := os.ReadFile(conformanceDir + "/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var table conformanceTable
	if err := json.Unmarshal(b, &table); err != nil {
		t.Fatal(err)
	}
	return table
}

// conformanceTool is FN_CE_CONFORMANCE, else where install.sh puts it; missing fails the test saying how to get it.
func conformanceTool(t *testing.T) string {
	t.Helper()
	path := os.Getenv("FN_CE_CONFORMANCE")
	if path == "" {
		out, err := exec.Command("bash", conformanceDir+"/install.sh", "--print-path").Output()
		if err != nil {
			t.Fatalf("install.sh --print-path: %v", err)
		}
		path = strings.TrimSpace(string(out))
	}
	if info, err := os.Stat(path); err != nil || info.Mode()&0o111 == 0 {
		t.Fatalf("the CloudEvents conformance tool is not installed at %s: run `bash runtimes/conformance/install.sh` (runtimes/test-all.sh does)", path)
	}
	return path
}

// echo is the table's echo function; it records what it received in reports.
type echo struct {
	mu      sync.Mutex
	reports []map[string]any
}

func (e *echo) handle(_ context.Context, in event.Event) (*event.Event, error) {
	report := map[string]any{"specversion": in.SpecVersion(), "id": in.ID(), "source": in.Source(), "type": in.Type()}
	if in.Subject() != "" {
		report["subject"] = in.Subject()
	}
	if in.DataContentType() != "" {
		report["datacontenttype"] = in.DataContentType()
	}
	for name, value := range in.Extensions() {
		report[name] = fmt.Sprint(value)
	}
	report["data"] = nil
	if in.Data() != nil {
		report["data"] = string(in.Data())
	}
	e.mu.Lock()
	e.reports = append(e.reports, report)
	e.mu.Unlock()
	if in.Type() == "com.fn.test.nothing" {
		return nil, nil
	}
	out := event.New()
	out.SetID("reply-1")
	out.SetSource("/fn/test")
	out.SetType("com.fn.test.reply")
	if in.Subject() != "" {
		out.SetSubject(in.Subject())
	}
	if err := out.SetData(event.ApplicationJSON, report); err != nil {
		return nil, err
	}
	return &out, nil
}

func (e *echo) since(n int) []map[string]any {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]map[string]any(nil), e.reports[n:]...)
}

func (e *echo) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.reports)
}

// serveEcho runs the invoker's server (body limit, panic net) around Handler(echo) on a free port.
func serveEcho(t *testing.T, fn *echo) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	cfg := invoker.Config{MaxBodyBytes: 1 << 20, ShutdownTimeout: 5 * time.Second, Template: "cloudevents"}
	go func() { done <- invoker.NewServer(cfg, Handler(fn.handle, "/fn/test")).Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + l.Addr().String() + "/"
}

func jsonEqual(t *testing.T, got any, want json.RawMessage, what string) {
	t.Helper()
	var w any
	_ = json.Unmarshal(want, &w)
	if !reflect.DeepEqual(got, w) {
		t.Errorf("%s: got %#v, want %s", what, got, want)
	}
}

func TestTheCloudEventsTable(t *testing.T) {
	table := loadTable(t)
	tool := conformanceTool(t)
	fn := &echo{}
	url := serveEcho(t, fn)
	gotStatus := regexp.MustCompile(`got (\d{3})`)
	for _, c := range table.Cases {
		t.Run(c.Name, func(t *testing.T) {
			before := fn.count()
			if c.Send.Tool != nil {
				if c.Expect.Error != "" || c.Expect.Reply != nil {
					t.Fatal("the conformance tool shows neither the error nor the reply: use send.raw")
				}
				var stderr bytes.Buffer
				cmd := exec.Command(tool, append([]string{"send", url}, c.Send.Tool...)...)
				cmd.Stderr = &stderr
				if err := cmd.Run(); err == nil {
					if c.Expect.Status < 200 || c.Expect.Status > 299 {
						t.Fatalf("answered 2xx, expected %d", c.Expect.Status)
					}
				} else {
					var exit *exec.ExitError
					m := gotStatus.FindStringSubmatch(stderr.String())
					if !errors.As(err, &exit) || m == nil {
						t.Fatalf("cloudevents send failed without an HTTP status: %v %s", err, stderr.String())
					}
					if status, _ := strconv.Atoi(m[1]); status != c.Expect.Status {
						t.Fatalf("status %d, want %d", status, c.Expect.Status)
					}
				}
			} else {
				raw := c.Send.Raw
				var body []byte
				switch {
				case raw.BodyBase64 != nil:
					body, _ = base64.StdEncoding.DecodeString(*raw.BodyBase64)
				case raw.BodyJSON != nil:
					body = raw.BodyJSON
				case raw.Body != nil:
					body = []byte(*raw.Body)
				}
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				for name, value := range raw.Headers {
					req.Header[http.CanonicalHeaderKey(name)] = []string{value}
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				answer, _ := io.ReadAll(res.Body)
				_ = res.Body.Close()
				if res.StatusCode != c.Expect.Status {
					t.Fatalf("status %d, want %d (%s)", res.StatusCode, c.Expect.Status, answer)
				}
				if c.Expect.Error != "" {
					var e struct{ Error string }
					_ = json.Unmarshal(answer, &e)
					if !regexp.MustCompile(c.Expect.Error).MatchString(e.Error) {
						t.Fatalf("error %q does not match %s", e.Error, c.Expect.Error)
					}
				}
				if reply := c.Expect.Reply; reply != nil {
					media := strings.TrimSpace(strings.SplitN(res.Header.Get("Content-Type"), ";", 2)[0])
					if reply.Mode == "structured" && (media != "application/cloudevents+json" || res.Header.Get("Ce-Id") != "") {
						t.Fatalf("not a structured-mode reply: %v", res.Header)
					}
					if reply.Mode == "binary" && res.Header.Get("Ce-Id") == "" {
						t.Fatalf("not a binary-mode reply: %v", res.Header)
					}
					for name, want := range reply.Headers {
						got, ok := res.Header[http.CanonicalHeaderKey(name)]
						if want == nil && ok || want != nil && (!ok || got[0] != *want) {
							t.Errorf("reply header %s: got %q, want %v", name, got, want)
						}
					}
					if reply.Body != nil {
						var members map[string]any
						_ = json.Unmarshal(answer, &members)
						for name, want := range reply.Body {
							jsonEqual(t, members[name], want, "reply member "+name)
						}
					}
				}
			}
			if c.Expect.Status >= 400 {
				if got := fn.since(before); len(got) > 0 {
					t.Fatalf("the function must not be called; it got %v", got)
				}
				return
			}
			if c.Expect.Received == nil {
				return
			}
			got := fn.since(before)
			if len(got) != 1 {
				t.Fatalf("the function was called %d times", len(got))
			}
			for name, want := range c.Expect.Received {
				value := got[0][name]
				if text, ok := value.(string); ok && name == "data" && !bytes.HasPrefix(want, []byte(`"`)) {
					var parsed any
					if err := json.Unmarshal([]byte(text), &parsed); err != nil {
						t.Fatalf("data %q is not JSON", text)
					}
					value = parsed
				}
				jsonEqual(t, value, want, "attribute "+name)
			}
		})
	}
}

func TestCeHeaderValues(t *testing.T) {
	for _, v := range loadTable(t).HeaderValues {
		t.Run(v.Encoded, func(t *testing.T) {
			got, err := decodeHeaderValue("Ce-X", v.Encoded)
			if v.Invalid {
				if err == nil || invoker.StatusOf(err) != 400 || !strings.Contains(err.Error(), "header ce-x is not percent-encoded UTF-8") {
					t.Fatalf("%s: got %q, %v", v.Why, got, err)
				}
				return
			}
			if err != nil || got != v.Decoded {
				t.Fatalf("%s: decoded %q, %v; want %q", v.Why, got, err, v.Decoded)
			}
			if enc := encodeHeaderValue(v.Decoded); !v.DecodeOnly && enc != v.Encoded {
				t.Fatalf("%s: encoded %q, want %q", v.Why, enc, v.Encoded)
			}
		})
	}
}
