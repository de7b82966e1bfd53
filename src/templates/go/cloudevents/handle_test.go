package function

import (
	"context"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"
)

// Run with `go test ./...`: calls Handle directly, no server needed.
func TestHandleAnswersAGreeting(t *testing.T) {
	in := event.New()
	in.SetID("1")
	in.SetType("com.example.hello")
	in.SetSource("/test")
	_ = in.SetData(event.ApplicationJSON, map[string]string{"name": "Ada"})

	out, err := Handle(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]string
	if err := out.DataAs(&data); err != nil {
		t.Fatal(err)
	}
	if out.Type() != "com.example.greeting" || data["message"] != "Hello Ada" || data["inReplyTo"] != "1" {
		t.Fatalf("unexpected answer: %s", out)
	}
}

// What a client may send besides a JSON object: text, a JSON array, bytes, or no data at all.
func TestHandleGreetsTheWorldForAnyOtherData(t *testing.T) {
	for contentType, data := range map[string][]byte{"text/plain": []byte("hello"), event.ApplicationJSON: []byte("[1,2]"), "application/octet-stream": {0, 1}, "": nil} {
		in := event.New()
		in.SetID("1")
		in.SetType("com.example.hello")
		in.SetSource("/test")
		if data != nil {
			_ = in.SetData(contentType, data)
		}
		out, err := Handle(context.Background(), in)
		if err != nil {
			t.Fatalf("%s %q: %v", contentType, data, err)
		}
		var answer map[string]string
		if err := out.DataAs(&answer); err != nil || answer["message"] != "Hello world" {
			t.Fatalf("%s %q: unexpected answer %s", contentType, data, out)
		}
	}
}
