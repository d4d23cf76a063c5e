package main

import (
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/errors"
)

// cacheVersions are the Valkey versions ElastiCache offers with a parameter
// group family the platform composes (engine-versions.html and
// ParameterGroups.Engine.html in the ElastiCache guide, December 2026):
// 7.2 is valkey7, 8.x valkey8. Valkey 9.x is left out until its family's
// name is confirmed. The XRD's enum lists the same.
var cacheVersions = []string{"7.2", "8.0", "8.1", "8.2"}

// cacheParameterGroupFamily is the ElastiCache parameter group family of a
// Valkey version: valkey7 or valkey8.
func cacheParameterGroupFamily(version string) (string, error) {
	if !slices.Contains(cacheVersions, version) {
		return "", errors.Errorf("must be a Valkey version ElastiCache offers: one of %s", strings.Join(cacheVersions, ", "))
	}
	major, _, _ := strings.Cut(version, ".")
	return "valkey" + major, nil
}
