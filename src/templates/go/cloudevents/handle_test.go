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
