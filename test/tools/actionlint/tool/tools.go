//go:build tools

// Package tools pins actionlint (github.com/rhysd/actionlint), which test/integration/ci-workflows.test.ts
// runs on action.yml and on the workflows `fn ci github` writes; ../install.sh builds it from this module,
// so its version and checksums live in go.mod and go.sum.
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
