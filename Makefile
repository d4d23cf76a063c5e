# Open edX on AWS, delivered as Crossplane composition functions.
#
#   make render   build what is needed and preview every example
#   make test     run every test: generated files, lint, unit, render, schemas, golden
#
# Only Go is needed. Tools are built once into _output/bin from tools/go.mod.

SHELL := /usr/bin/env bash -o pipefail -e
GO ?= go
OUT := _output
BIN := $(OUT)/bin
RENDER := $(OUT)/render
SCHEMAS := $(OUT)/schemas
# The Crossplane CLI's version (tools/go.mod), and the image of that version
# the offline validation cache is seeded for. Recursive (=) so that `go list`
# only runs when a recipe needs them.
XP_CLI_VERSION = $(shell cd tools && $(GO) list -m -f '{{.Version}}' github.com/crossplane/crossplane/v2)
CROSSPLANE_IMAGE = xpkg.crossplane.io/crossplane/crossplane:$(XP_CLI_VERSION)

FUNCTIONS := platform tenant

.PHONY: all deps generate verify-generated tools lint build render validate images packages artifacts test unit fuzz bench golden golden-update clean backstage-test diagram verify-diagram

all: test

## Tools (separate module, so their dependencies never touch the functions').
$(BIN)/crossplane: tools/go.mod tools/go.sum
	cd tools && $(GO) build -o ../$@ github.com/crossplane/crossplane/v2/cmd/crank

$(BIN)/controller-gen: tools/go.mod tools/go.sum
	cd tools && $(GO) build -o ../$@ sigs.k8s.io/controller-tools/cmd/controller-gen

$(BIN)/xrdgen: tools/go.mod tools/go.sum $(wildcard tools/cmd/xrdgen/*.go) $(wildcard tools/internal/*/*.go)
	cd tools && $(GO) build -o ../$@ ./cmd/xrdgen

$(BIN)/claimref: tools/go.mod tools/go.sum $(wildcard tools/cmd/claimref/*.go) $(wildcard tools/internal/*/*.go)
	cd tools && $(GO) build -o ../$@ ./cmd/claimref

$(BIN)/backstagegen: tools/go.mod tools/go.sum $(wildcard tools/cmd/backstagegen/*.go) $(wildcard tools/internal/*/*.go)
	cd tools && $(GO) build -o ../$@ ./cmd/backstagegen

# golangci-lint has a module of its own: its many dependencies stay out of
# the other tools'.
$(BIN)/golangci-lint: tools/lint/go.mod tools/lint/go.sum
	cd tools/lint && $(GO) build -o ../../$@ github.com/golangci/golangci-lint/v2/cmd/golangci-lint

tools: $(BIN)/crossplane $(BIN)/controller-gen $(BIN)/xrdgen $(BIN)/backstagegen $(BIN)/claimref

## Lint: what review used to check by hand (.golangci.yml).
lint: $(BIN)/golangci-lint
	$(BIN)/golangci-lint run ./...

## Generated files: deepcopy and XRDs come from the Go types in apis/, and from
## the XRDs the Backstage templates (backstage/) and the claim reference
## (docs/reference/).
generate: $(BIN)/controller-gen $(BIN)/xrdgen $(BIN)/backstagegen $(BIN)/claimref
	rm -rf $(OUT)/gen
	$(BIN)/controller-gen object paths=./apis/... crd paths=./apis/... output:crd:dir=$(OUT)/gen/crds
	$(BIN)/xrdgen --crds $(OUT)/gen/crds --out package/xrds
	$(BIN)/backstagegen --xrds package/xrds --out backstage
	rm -rf docs/reference && $(BIN)/claimref --xrds package/xrds --out docs/reference

# Fails when the checked-in generated files differ from what apis/ produces.
verify-generated: $(BIN)/controller-gen $(BIN)/xrdgen $(BIN)/backstagegen $(BIN)/claimref
	rm -rf $(OUT)/verify
	$(BIN)/controller-gen object paths=./apis/... output:object:dir=$(OUT)/verify/object crd paths=./apis/... output:crd:dir=$(OUT)/verify/crds
	$(BIN)/xrdgen --crds $(OUT)/verify/crds --out $(OUT)/verify/xrds
	diff -u apis/v1alpha1/zz_generated.deepcopy.go $(OUT)/verify/object/zz_generated.deepcopy.go || { echo "generated deepcopy is stale: run make generate"; exit 1; }
	diff -ru package/xrds $(OUT)/verify/xrds || { echo "generated XRDs are stale: run make generate"; exit 1; }
	$(BIN)/backstagegen --xrds $(OUT)/verify/xrds --out $(OUT)/verify/backstage
	diff -ru backstage $(OUT)/verify/backstage || { echo "generated Backstage templates are stale: run make generate"; exit 1; }
	$(BIN)/claimref --xrds $(OUT)/verify/xrds --out $(OUT)/verify/reference
	diff -ru docs/reference $(OUT)/verify/reference || { echo "generated claim reference is stale: run make generate"; exit 1; }

## The functions.
build:
	$(foreach f,$(FUNCTIONS),$(GO) build -o $(BIN)/function-$(f) ./functions/$(f);)
	$(GO) build -o $(BIN)/preview ./cmd/preview

## Preview: every example rendered to its steady state in _output/render.
render: build $(BIN)/crossplane
	rm -rf $(RENDER)
	$(BIN)/preview render --crossplane $(BIN)/crossplane --out $(RENDER) \
		--function function-openedx-platform=$(BIN)/function-platform \
		--function function-openedx-tenant=$(BIN)/function-tenant

## Offline schema validation of the preview against the provider CRDs it uses.
validate: render
	$(GO) mod download github.com/upbound/provider-aws github.com/crossplane-contrib/provider-kubernetes
	cd tools && $(GO) mod download github.com/crossplane/crossplane/v2
	$(BIN)/preview schemas --render $(RENDER) --out $(SCHEMAS) \
		--crds "$$($(GO) list -m -f '{{.Dir}}' github.com/upbound/provider-aws)/package/crds" \
		--crds "$$($(GO) list -m -f '{{.Dir}}' github.com/crossplane-contrib/provider-kubernetes)/package/crds" \
		--crds "$$(cd tools && $(GO) list -m -f '{{.Dir}}' github.com/crossplane/crossplane/v2)/cluster/crds" \
		--crossplane-crds "$$(cd tools && $(GO) list -m -f '{{.Dir}}' github.com/crossplane/crossplane/v2)/cluster/crds" \
		--cache-dir $(CURDIR)/$(OUT)/validate-cache --image $(CROSSPLANE_IMAGE)
	$(BIN)/crossplane beta validate $(SCHEMAS) $(RENDER) --skip-success-results \
		--cache-dir $(CURDIR)/$(OUT)/validate-cache --crossplane-image $(CROSSPLANE_IMAGE)

## Installable artifacts, built with Go only (no container engine).
##   make images     each function's image for every platform (_output/images)
##   make packages   the Function packages and the Configuration (_output/packages)
# VERSION is the tag of the images and packages, and the version the
# Configuration pins its functions to; REGISTRY is where they are pushed.
VERSION ?= v0.1.0
REGISTRY ?= ghcr.io/openedx-cloud
PLATFORMS := linux/amd64 linux/arm64
IMAGES := $(OUT)/images
PACKAGES := $(OUT)/packages
# Every file and image is dated at the commit, so a commit always gives
# the same digests; 0 outside a Git checkout.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

$(BIN)/imagebuild: tools/go.mod tools/go.sum $(wildcard tools/cmd/imagebuild/*.go)
	cd tools && $(GO) build -o ../$@ ./cmd/imagebuild

# Static binaries (the Dockerfile's flags): no cgo, no build paths, no
# build ID or VCS stamp, so that they depend on the sources only.
images: $(BIN)/imagebuild
	@for f in $(FUNCTIONS); do \
		bins=; \
		for p in $(PLATFORMS); do \
			b=$(IMAGES)/bin/$${p/\//_}/function-$$f; \
			CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build -trimpath -buildvcs=false -ldflags="-s -w -buildid=" -o $$b ./functions/$$f; \
			bins="$$bins --binary=$$p=$$b"; \
		done; \
		$(BIN)/imagebuild image --name=$(REGISTRY)/function-openedx-$$f --version=$(VERSION) \
			--created=$(SOURCE_DATE_EPOCH) --out=$(IMAGES) $$bins; \
	done

# One Function package per platform (push them together as one multi-arch
# package with `crossplane xpkg push -f a.xpkg,b.xpkg`), and the
# Configuration with its functions pinned to $(VERSION) at $(REGISTRY).
packages: images $(BIN)/crossplane $(BIN)/imagebuild
	rm -rf $(PACKAGES) && mkdir -p $(PACKAGES)/configuration
	@for f in $(FUNCTIONS); do for p in $(PLATFORMS); do \
		a=$${p#*/}; \
		$(BIN)/crossplane xpkg build --package-root=package/functions/$$f --examples-root=package/functions/$$f/examples \
			--embed-runtime-image-tarball=$(IMAGES)/function-openedx-$$f-$${p/\//-}.tar \
			--package-file=$(PACKAGES)/function-openedx-$$f-$$a.xpkg || exit 1; \
	done; done
	$(BIN)/imagebuild stamp --in=crossplane.yaml --out=$(PACKAGES)/configuration/crossplane.yaml \
		--registry=$(REGISTRY) --version=$(VERSION) $(addprefix --function=function-openedx-,$(FUNCTIONS))
	cp -r package/xrds package/compositions $(PACKAGES)/configuration/
	$(BIN)/crossplane xpkg build --package-root=$(PACKAGES)/configuration --examples-root=examples \
		--package-file=$(PACKAGES)/configuration-openedx-aws.xpkg
	@ls -l $(PACKAGES)/*.xpkg

# Tests that open the built images and packages.
ARTIFACT_ENV := CROSSPLANE_BIN=$(CURDIR)/$(BIN)/crossplane IMAGES_DIR=$(CURDIR)/$(IMAGES) PACKAGES_DIR=$(CURDIR)/$(PACKAGES) \
	PACKAGE_VERSION=$(VERSION) PACKAGE_REGISTRY=$(REGISTRY)
artifacts: packages
	cd tools && $(GO) vet ./cmd/imagebuild && $(GO) test ./cmd/imagebuild -count=1
	$(ARTIFACT_ENV) $(GO) test ./test/ -count=1 -run 'TestArtifact'

## Debian packages the tests need (tools/deps/debian.txt), installed once
## on a fresh machine; a test never skips because one is missing.
DEBIAN_DEPS = $(shell sed -e 's/\#.*//' tools/deps/debian.txt)
deps:
	@missing=$$(for p in $(DEBIAN_DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

unit: deps
	$(GO) vet ./...
	$(GO) test ./...
	cd tools && $(GO) vet ./cmd/... ./internal/... && $(GO) test ./cmd/... ./internal/...

## A short, time-bounded fuzz run of each function: arbitrary specs never
## panic, and are composed or refused with a field path. FUZZTIME=5m to dig.
FUZZTIME ?= 20s
fuzz:
	$(foreach f,$(FUNCTIONS),$(GO) test ./functions/$(f) -run='^$$' -fuzz=FuzzRunFunction -fuzztime=$(FUZZTIME);)

## Golden files, policies and XRD validation over the rendered, validated preview.
TEST_ENV = RENDER_DIR=$(CURDIR)/$(RENDER) SCHEMAS_DIR=$(CURDIR)/$(SCHEMAS) \
	CROSSPLANE_BIN=$(CURDIR)/$(BIN)/crossplane VALIDATE_CACHE_DIR=$(CURDIR)/$(OUT)/validate-cache \
	CROSSPLANE_IMAGE=$(CROSSPLANE_IMAGE)

golden: validate
	$(TEST_ENV) $(GO) test ./test/... -count=1

# Accept a change of rendered output after reviewing it.
golden-update: validate
	$(TEST_ENV) $(GO) test ./test/ -count=1 -run TestGolden -update

## Benchmarks: speed and memory as multiples of a baseline measured in the
## same run (x-baseline-time, x-baseline-allocs), never as timed assertions.
BENCHTIME ?= 20x
bench:
	$(GO) test ./functions/... -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME)

## The architecture diagram, drawn from the rendered production platform and
## demo tenant; verify-diagram fails when docs/architecture.svg is stale.
DIAGRAM_ARGS = --platform $(RENDER)/platform-production.yaml --tenant $(RENDER)/tenant-demo.yaml
$(BIN)/archdiagram: tools/go.mod tools/go.sum $(wildcard tools/cmd/archdiagram/*.go)
	cd tools && $(GO) build -o ../$@ ./cmd/archdiagram

diagram: render $(BIN)/archdiagram
	$(BIN)/archdiagram $(DIAGRAM_ARGS) --out docs/architecture.svg

verify-diagram: render $(BIN)/archdiagram
	mkdir -p $(OUT)/verify
	$(BIN)/archdiagram $(DIAGRAM_ARGS) --out $(OUT)/verify/architecture.svg
	diff -u docs/architecture.svg $(OUT)/verify/architecture.svg >/dev/null || { echo "docs/architecture.svg is stale: run make diagram"; exit 1; }

## Backstage: the generated templates checked with Backstage's own validators
## (npm packages pinned in tools/backstage), their claims rendered for the
## sample answers in tools/backstage/testdata and validated against the XRDs.
BACKSTAGE_NPM := tools/backstage/node_modules/.installed
$(BACKSTAGE_NPM): tools/backstage/package.json tools/backstage/package-lock.json
	cd tools/backstage && npm ci --no-audit --no-fund --loglevel=error
	touch $@

backstage-test: deps validate $(BACKSTAGE_NPM)
	rm -rf $(OUT)/backstage
	node tools/backstage/check.mjs backstage $(OUT)/backstage
	$(BIN)/crossplane beta validate package/xrds $(OUT)/backstage --skip-success-results \
		--cache-dir $(CURDIR)/$(OUT)/validate-cache --crossplane-image $(CROSSPLANE_IMAGE)

test: deps verify-generated lint unit artifacts fuzz bench golden backstage-test verify-diagram e2e

clean:
	rm -rf $(OUT)

## End-to-end tier: the functions in a real control plane (etcd, kube-apiserver,
## the garbage collector, Crossplane core), built from tools/e2e/go.mod into
## _output/e2e/bin and rebuilt only when that module changes.
E2E_BIN := $(OUT)/e2e/bin
E2E_PATCHED := $(OUT)/e2e/crossplane-loopback
E2E_BINS := $(addprefix $(E2E_BIN)/,etcd kube-apiserver kube-controller-manager kubectl crossplane-core)
# Recursive (=) so that `go list` only runs when an e2e binary is built.
K8S_VERSION = $(shell cd tools/e2e && $(GO) list -m -f '{{.Version}}' k8s.io/kubernetes)
K8S_LDFLAGS = -X k8s.io/component-base/version.gitVersion=$(K8S_VERSION) \
	-X k8s.io/component-base/version.gitMajor=$(word 1,$(subst ., ,$(K8S_VERSION:v%=%))) \
	-X k8s.io/component-base/version.gitMinor=$(word 2,$(subst ., ,$(K8S_VERSION:v%=%)))
XP_VERSION = $(shell cd tools/e2e && $(GO) list -m -f '{{.Version}}' github.com/crossplane/crossplane/v2)

.PHONY: e2e e2e-tools

$(E2E_BIN)/etcd: tools/e2e/go.mod tools/e2e/go.sum
	cd tools/e2e && $(GO) build -o ../../$@ go.etcd.io/etcd/server/v3

$(E2E_BIN)/kube-apiserver $(E2E_BIN)/kube-controller-manager $(E2E_BIN)/kubectl: tools/e2e/go.mod tools/e2e/go.sum
	cd tools/e2e && $(GO) build -ldflags "$(K8S_LDFLAGS)" -o ../../$@ k8s.io/kubernetes/cmd/$(notdir $@)

# Crossplane core at the version of the Crossplane CLI (tools/go.mod), with
# its metrics and health probe servers on 127.0.0.1 (tools/e2e/loopback.sh).
$(E2E_BIN)/crossplane-core: tools/e2e/go.mod tools/e2e/go.sum tools/e2e/loopback.sh
	cd tools/e2e && modfile=$$(./loopback.sh ../../$(E2E_PATCHED)) && \
		$(GO) build -modfile="$$modfile" -ldflags "-X github.com/crossplane/crossplane/v2/internal/version.version=$(XP_VERSION)" \
		-o ../../$@ github.com/crossplane/crossplane/v2/cmd/crossplane

e2e-tools: $(E2E_BINS)
	@if [ "$(XP_CLI_VERSION)" != "$(XP_VERSION)" ]; then \
		echo "tools/e2e/go.mod has crossplane/v2 $(XP_VERSION) but tools/go.mod has $(XP_CLI_VERSION): keep them equal"; exit 1; fi

# The suite installs the Configuration from the built packages through
# Crossplane's package manager, and builds provider packages with the CLI.
# E2E_RUN=<regexp> runs only the scenarios it matches.
e2e: build e2e-tools packages
	E2E_BIN_DIR=$(CURDIR)/$(E2E_BIN) E2E_FUNCTION_DIR=$(CURDIR)/$(BIN) $(ARTIFACT_ENV) \
		$(GO) test -tags e2e ./test/e2e/... -count=1 -timeout 60m -v $(if $(E2E_RUN),-run '$(E2E_RUN)')
