// Package e2e runs the composition functions in a real control plane:
// etcd, kube-apiserver, the Kubernetes garbage collector and Crossplane
// core with its usage webhook, all local processes on 127.0.0.1, with the
// provider CRDs installed and the providers played by
// internal/testkit/fakeprovider. The tests carry the build tag e2e, so `go test
// ./...` does not run them; `make e2e` builds the binaries and runs them.
package e2e
