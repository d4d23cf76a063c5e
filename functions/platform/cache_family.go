package main

import (
	"strings"

	"github.com/crossplane/function-sdk-go/errors"
)

// cacheParameterGroupFamily is the ElastiCache parameter group family of a
// Valkey version: valkey7 or valkey8.
func cacheParameterGroupFamily(version string) (string, error) {
	major, _, ok := strings.Cut(version, ".")
	if !ok || (major != "7" && major != "8") {
		return "", errors.New("must be a Valkey 7.x or 8.x version such as 8.0")
	}
	return "valkey" + major, nil
}
