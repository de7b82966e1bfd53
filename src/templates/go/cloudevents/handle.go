// Package function is your function. fn's invoker imports it and calls Handle for every CloudEvent it
// receives (binary or structured mode).
package function

import (
	"context"
	"encoding/json"
	"log"

	"github.com/cloudevents/sdk-go/v2/event"
)

// Handle answers an event {"name": "..."} with a com.example.greeting event {"message": "Hello <name>"}.
//
// Return an event to answer with it (fn fills in a missing id and source), nil to answer 204, or an
// error to answer 500 {"error": "..."}. A panic is answered the same way and logged.
//
// Try it: `fn run`, then `fn invoke --cloudevent --type com.example.hello --data '{"name":"Ada"}'`.
func Handle(ctx context.Context, e event.Event) (*event.Event, error) {
	log.Printf("{{fn.name}}: received %s from %s", e.Type(), e.Source())
	var in struct {
		Name string `json:"name"`
	}
	// Only a JSON object carries a name; a client may also send text, a JSON array, bytes or no data,
	// which json.Unmarshal refuses: those are greeted as "world".
	_ = json.Unmarshal(e.Data(), &in)
	if in.Name == "" {
		in.Name = "world"
	}
	answer := event.New()
	answer.SetType("com.example.greeting")
	answer.SetSource("/{{fn.name}}")
	if err := answer.SetData(event.ApplicationJSON, map[string]string{"message": "Hello " + in.Name, "inReplyTo": e.ID()}); err != nil {
		return nil, err
	}
	return &answer, nil
}
