// Package test checks the rendered preview of every example: golden files,
// the provider CRDs' storage versions and scopes, and the security and cost
// policies. It reads what `make render` and `make validate` produced, given
// as RENDER_DIR and SCHEMAS_DIR; `make test` sets both.
package test
