//go:build tools

// Package tools pins the CloudEvents conformance tool (`cloudevents send`) that the invokers' tests drive;
// ../install.sh builds it from this module, so its version and checksums live in go.mod and go.sum.
package tools

import _ "github.com/cloudevents/conformance/cmd/cloudevents"
