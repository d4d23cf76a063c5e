package main

import (
	"context"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/proto"

	"github.com/openedx-cloud/platform-aws/internal/testkit/fntest"
)

// TestNoCredentialEscapes converges a platform while every observed
// resource carries credentials in its connection details, as Crossplane
// sends them, and checks that no response and no log line, at any
// verbosity, ever holds one.
func TestNoCredentialEscapes(t *testing.T) {
	logs := &fntest.LogBuffer{}
	f := &Function{log: logs.Logger()}
	var observed map[string]*fnv1.Resource
	for pass := 1; pass <= 6; pass++ {
		req := newRequest(xrJSON, observed, nil)
		fntest.PlantSecrets(req)
		rsp, err := f.RunFunction(context.Background(), proto.Clone(req).(*fnv1.RunFunctionRequest))
		if err != nil {
			t.Fatal(err)
		}
		fntest.NoSecretIn(t, rsp, logs.String())
		observed = observe(t, rsp, nil)
	}
	if logs.String() == "" {
		t.Error("the function logged nothing: the scan proves nothing")
	}
}
