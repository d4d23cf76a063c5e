package fntest

import (
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openedx-cloud/platform-aws/internal/testkit/fakeprovider"
)

// Observed is what the providers report for every resource rsp desires of
// composite xr, as fakeprovider.Observe writes it, each with readiness
// ready: the observed resources of the function's next call.
func Observed(rsp *fnv1.RunFunctionResponse, xr string, ready fnv1.Ready) map[string]*fnv1.Resource {
	out := map[string]*fnv1.Resource{}
	for name, r := range rsp.GetDesired().GetResources() {
		u := &unstructured.Unstructured{Object: r.GetResource().AsMap()}
		a := u.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[fakeprovider.AnnotationCompositionResourceName] = name
		u.SetAnnotations(a)
		out[name] = &fnv1.Resource{Resource: resource.MustStructObject(fakeprovider.Observe(u, xr)), Ready: ready}
	}
	return out
}
