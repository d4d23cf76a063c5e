// Package compose holds what both functions need to turn typed objects into
// desired composed resources: conversion, readiness from observed state,
// the FinOps tags and Kubernetes-safe names.
package compose

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"k8s.io/apimachinery/pkg/runtime"
)

// AnnotationExternalName is Crossplane's annotation for the name of the
// external resource a managed resource represents.
const AnnotationExternalName = "crossplane.io/external-name"

// Desired is a set of desired composed resources that is being built. It
// wraps the SDK's map so that readiness is always derived from observed state
// and every object goes through the same typed conversion.
type Desired struct {
	Resources map[resource.Name]*resource.DesiredComposed
	Observed  map[resource.Name]resource.ObservedComposed
}

// Add converts a typed object and adds it under name. Its readiness is True
// when the observed resource of that name reports Ready=True, False otherwise,
// so that the composite is never Ready before what it is made of.
func (d *Desired) Add(name resource.Name, o runtime.Object) error {
	return d.add(name, o, d.ObservedReady(name))
}

// AddAlwaysReady adds an object that has no status conditions of its own,
// such as a ProviderConfig: it is ready as soon as it exists.
func (d *Desired) AddAlwaysReady(name resource.Name, o runtime.Object) error {
	return d.add(name, o, resource.ReadyTrue)
}

func (d *Desired) add(name resource.Name, o runtime.Object, ready resource.Ready) error {
	// An Object from KubernetesObject carries its manifest as content too:
	// the rest of it is converted, and the manifest put in as it is.
	manifest := manifestOf(o)
	if manifest != nil {
		ko := *o.(*kubev1alpha2.Object)
		ko.Spec.ForProvider.Manifest = runtime.RawExtension{}
		o = &ko
	}
	cd, err := composed.From(o)
	if err != nil {
		return errors.Wrapf(err, "cannot convert %T %q to a composed resource", o, name)
	}
	if manifest != nil {
		// In place: SetValue would take the manifest through JSON.
		spec, _ := cd.Object["spec"].(map[string]any)
		forProvider, ok := spec["forProvider"].(map[string]any)
		if !ok {
			return errors.Errorf("cannot set the manifest of %q: it has no spec.forProvider", name)
		}
		forProvider["manifest"] = manifest
	}
	// Typed structs carry an empty status; we never set status on what we
	// compose, and an empty object would be applied as an opinion.
	delete(cd.Object, "status")
	// Some generated fields lack omitempty and marshal as null, which
	// server-side apply would take as "delete this field".
	pruneNulls(cd.Object)
	d.Resources[name] = &resource.DesiredComposed{Resource: cd, Ready: ready}
	return nil
}

// pruneNulls removes null values from unstructured content, in place.
func pruneNulls(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil {
				delete(t, k)
				continue
			}
			pruneNulls(e)
		}
	case []any:
		for _, e := range t {
			pruneNulls(e)
		}
	}
}

// ObservedReady reports whether the observed resource name is Ready=True.
func (d *Desired) ObservedReady(name resource.Name) resource.Ready {
	if IsReady(d.Observed, name) {
		return resource.ReadyTrue
	}
	return resource.ReadyFalse
}

// IsReady reports whether the observed resource name exists and is Ready=True.
func IsReady(observed map[resource.Name]resource.ObservedComposed, name resource.Name) bool {
	oc, ok := observed[name]
	if !ok || oc.Resource == nil {
		return false
	}
	// Read in place: GetCondition decodes every condition through JSON,
	// which was a seventh of a converged platform's reconcile.
	status, _ := oc.Resource.Object["status"].(map[string]any)
	conditions, _ := status["conditions"].([]any)
	for _, c := range conditions {
		if c, ok := c.(map[string]any); ok && c["type"] == string(xpv1.TypeReady) {
			return c["status"] == "True"
		}
	}
	return false
}

// ObservedString returns a string field of an observed resource, or "" when
// the resource or the field does not exist yet.
func ObservedString(observed map[resource.Name]resource.ObservedComposed, name resource.Name, path string) string {
	oc, ok := observed[name]
	if !ok || oc.Resource == nil {
		return ""
	}
	s, err := oc.Resource.GetString(path)
	if err != nil {
		return ""
	}
	return s
}

// Decode reads unstructured content, such as a composite resource, into its
// typed struct.
func Decode(obj map[string]any, into any) error {
	j, err := json.Marshal(obj)
	if err != nil {
		return errors.Wrapf(err, "cannot marshal %T", into)
	}
	return errors.Wrapf(json.Unmarshal(j, into), "cannot decode %T", into)
}

// Tags are the cost-allocation tags every AWS resource carries.
type Tags struct {
	Platform   string
	Tenant     string
	CostCenter string
}

// Map renders the tags as provider-aws wants them. Keys are lower-case with
// dashes, the style of AWS's own cost-allocation examples.
func (t Tags) Map() map[string]*string {
	m := map[string]*string{
		"managed-by": ptr("crossplane"),
		"app":        ptr("openedx"),
	}
	if t.Platform != "" {
		m["platform"] = ptr(t.Platform)
	}
	if t.Tenant != "" {
		m["tenant"] = ptr(t.Tenant)
	}
	if t.CostCenter != "" {
		m["cost-center"] = ptr(t.CostCenter)
	}
	return m
}

func ptr[T any](v T) *T { return &v }

// Truncate shortens name to at most max characters. A shortened name ends in
// a hash of the whole name, so that distinct long names stay distinct.
func Truncate(name string, maxLen int) string {
	if len(name) <= maxLen {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	h := hex.EncodeToString(sum[:])[:8]
	return name[:maxLen-len(h)-1] + "-" + h
}

// Resource is a typed object to compose under a stable name. Builders return
// these so they stay pure functions of the spec and are tested as typed
// values.
type Resource struct {
	Name   resource.Name
	Object runtime.Object
	// AlwaysReady marks objects without status conditions.
	AlwaysReady bool
	// EmptyObjects are field paths that must be present as {}: typed
	// conversion omits empty structs, but some APIs mean something by an
	// empty object, such as a WAF rule action "allow": {}.
	EmptyObjects []string
}

// AddAll adds resources in order.
func (d *Desired) AddAll(rs ...Resource) error {
	for _, r := range rs {
		var err error
		if r.AlwaysReady {
			err = d.AddAlwaysReady(r.Name, r.Object)
		} else {
			err = d.Add(r.Name, r.Object)
		}
		if err != nil {
			return err
		}
		for _, path := range r.EmptyObjects {
			if err := d.Resources[r.Name].Resource.SetValue(path, map[string]any{}); err != nil {
				return errors.Wrapf(err, "cannot set %s of %q", path, r.Name)
			}
		}
	}
	return nil
}

// SetStatus replaces the desired composite's status with a typed status.
// Crossplane applies the desired status with server-side apply, so the whole
// status is written every time.
func SetStatus(xr *resource.Composite, status any) error {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(status)
	if err != nil {
		return errors.Wrap(err, "cannot convert composite status")
	}
	return errors.Wrap(xr.Resource.SetValue("status", u), "cannot set composite status")
}

// StringPtrs is nil for no strings, so that empty lists are left out of
// what is composed.
func StringPtrs(ss []string) []*string {
	if len(ss) == 0 {
		return nil
	}
	out := make([]*string, len(ss))
	for i := range ss {
		out[i] = &ss[i]
	}
	return out
}

// ObservedStringList is a list of strings of an observed resource, nil when
// the resource or the field does not exist.
func ObservedStringList(observed map[resource.Name]resource.ObservedComposed, name resource.Name, path string) []string {
	var out []string
	for i := 0; ; i++ {
		v := ObservedString(observed, name, fmt.Sprintf("%s[%d]", path, i))
		if v == "" {
			return out
		}
		out = append(out, v)
	}
}
