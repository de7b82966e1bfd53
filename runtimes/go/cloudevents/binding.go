package cloudevents

// The CloudEvents HTTP binding rules that sdk-go (v2.16) leaves out, applied around its
// NewEventFromHTTPRequest / WriteResponseWriter: 415 for batches and other event formats, the required
// attributes checked on the message itself (sdk-go reads an unknown specversion as "unknown Message
// encoding"), and percent-encoded ce- header values (HTTP binding 3.1.3.2). The table in
// runtimes/conformance/cases.json says what every invoker answers; this is the Go side of it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"fninvoker"

	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// SpecVersions are the versions sdk-go reads.
var SpecVersions = []string{"1.0", "0.3"}

var required = []string{"specversion", "id", "source", "type"}

const structuredJSON = "application/cloudevents+json"

func invalid(format string, args ...any) error {
	return &invoker.StatusError{Status: http.StatusBadRequest, Message: "not a valid CloudEvent: " + fmt.Sprintf(format, args...)}
}

// mediaType is a Content-Type's media type: no parameters, lower case.
func mediaType(contentType string) string {
	t, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// contentMode is "structured" or "binary"; batches and structured formats other than JSON answer 415.
func contentMode(contentType string) (string, error) {
	t := mediaType(contentType)
	switch {
	case strings.HasPrefix(t, "application/cloudevents-batch"):
		return "", &invoker.StatusError{Status: http.StatusUnsupportedMediaType, Message: "batched CloudEvents (application/cloudevents-batch+json) are not supported: send one event per request, in binary or structured mode"}
	case t == structuredJSON:
		return "structured", nil
	case strings.HasPrefix(t, "application/cloudevents"):
		return "", &invoker.StatusError{Status: http.StatusUnsupportedMediaType, Message: "the event format " + t + " is not supported: send " + structuredJSON + " (structured mode) or binary mode"}
	}
	return "binary", nil
}

// checkRequired: specversion, id, source and type must be non-empty strings (value returns the attribute
// and whether it is a string at all), and specversion one sdk-go reads.
func checkRequired(value func(name string) (string, bool)) error {
	for _, name := range required {
		if v, ok := value(name); !ok || v == "" {
			return invalid(`attribute %q must be a non-empty string (required: %s; as ce- headers in binary mode, or members of an %s body)`, name, strings.Join(required, ", "), structuredJSON)
		}
	}
	if v, _ := value("specversion"); !slices.Contains(SpecVersions, v) {
		return invalid("specversion %s is not supported; accepted: %s", strconv.Quote(v), strings.Join(SpecVersions, ", "))
	}
	return nil
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// decodeHeaderValue is a ce- header value as the attribute's string: a quoted-string is unquoted, then one
// round of percent-decoding; a % that starts no escape is kept. Bytes that are not UTF-8 are a 400.
func decodeHeaderValue(name, value string) (string, error) {
	s := value
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		var b strings.Builder
		for i := 1; i < len(s)-1; i++ {
			if s[i] == '\\' && i+1 < len(s)-1 {
				i++
			}
			b.WriteByte(s[i])
		}
		s = b.String()
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			out = append(out, byte(n))
			i += 2
		} else {
			out = append(out, s[i])
		}
	}
	if !utf8.Valid(out) {
		return "", invalid("header %s is not percent-encoded UTF-8: %q", strings.ToLower(name), value)
	}
	return string(out), nil
}

// encodeHeaderValue is an attribute string as a header value: space, ", % and every byte outside
// 0x21-0x7E (so every non-ASCII character, as its UTF-8 bytes) percent-encoded.
func encodeHeaderValue(value string) string {
	var b strings.Builder
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c >= 0x21 && c <= 0x7e && c != '"' && c != '%' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// readEvent reads r (with sdk-go) into an event and its content mode, after the checks above.
func readEvent(r *http.Request) (*event.Event, string, error) {
	mode, err := contentMode(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, "", err
	}
	if mode == "structured" {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, "", invalid("cannot read the body: %v", err)
		}
		var members map[string]any
		var compact bytes.Buffer
		if json.Unmarshal(body, &members) != nil || members == nil || json.Compact(&compact, body) != nil {
			return nil, "", invalid("the %s body is not a JSON object", structuredJSON)
		}
		if err := checkRequired(func(name string) (string, bool) { v, ok := members[name].(string); return v, ok }); err != nil {
			return nil, "", err
		}
		// sdk-go misreads a data_base64 (and keeps blanks in data) that has whitespace before its value
		// ("data_base64": "…", as most JSON writers put it): hand it the body without insignificant whitespace.
		r.Body = io.NopCloser(&compact)
	} else {
		for name, values := range r.Header {
			if !strings.HasPrefix(name, "Ce-") {
				continue
			}
			for i, v := range values {
				if values[i], err = decodeHeaderValue(name, v); err != nil {
					return nil, "", err
				}
			}
		}
		err := checkRequired(func(name string) (string, bool) {
			v, ok := r.Header[http.CanonicalHeaderKey("ce-"+name)]
			if !ok {
				return "", false
			}
			return v[0], true
		})
		if err != nil {
			return nil, "", err
		}
	}
	in, err := cehttp.NewEventFromHTTPRequest(r)
	if err != nil {
		return nil, "", invalid("%v", err)
	}
	if err := in.Validate(); err != nil {
		return nil, "", invalid("%v", err)
	}
	return in, mode, nil
}

// headerEncoder percent-encodes the Ce- headers sdk-go set just before the answer's header is written.
type headerEncoder struct {
	http.ResponseWriter
	encoded bool
}

func (w *headerEncoder) encode() {
	if w.encoded {
		return
	}
	w.encoded = true
	for name, values := range w.Header() {
		if strings.HasPrefix(name, "Ce-") {
			for i, v := range values {
				values[i] = encodeHeaderValue(v)
			}
		}
	}
}

func (w *headerEncoder) WriteHeader(status int) {
	w.encode()
	w.ResponseWriter.WriteHeader(status)
}

func (w *headerEncoder) Write(b []byte) (int, error) {
	w.encode()
	return w.ResponseWriter.Write(b)
}
