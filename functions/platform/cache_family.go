package main

import (
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/errors"
)

// cacheVersions are the Valkey versions ElastiCache offers
// (engine-versions.html in the ElastiCache guide, December 2026). Each
// major version is a parameter group family (ParameterGroups.Engine.html:
// 7.2 is valkey7, 8.x valkey8, 9.x valkey9). The XRD's enum lists the same.
var cacheVersions = []string{"7.2", "8.0", "8.1", "8.2", "9.0", "9.1"}

// cacheParameterGroupFamily is the ElastiCache parameter group family of a
// Valkey version: valkey<major>.
func cacheParameterGroupFamily(version string) (string, error) {
	if !slices.Contains(cacheVersions, version) {
		return "", errors.Errorf("must be a Valkey version ElastiCache offers: one of %s", strings.Join(cacheVersions, ", "))
	}
	major, _, _ := strings.Cut(version, ".")
	return "valkey" + major, nil
}
