// Package testkit holds what tests and previews use and production never
// does: a fake provider that converges composed resources (fakeprovider),
// helpers to drive a function (fntest), and YAML manifests reading
// (manifests). No function imports it.
package testkit
