# syntax=docker/dockerfile:1
# One image per function, the same as `make images` builds without Docker
# (tools/cmd/imagebuild): a static binary at /function, run as 65532.
#   docker buildx build --build-arg FUNCTION=platform --platform linux/amd64,linux/arm64 .
#   docker buildx build --build-arg FUNCTION=tenant   --platform linux/amd64,linux/arm64 .
# Then `crossplane xpkg build --package-root=package/functions/<fn>
# --embed-runtime-image=<image>` makes the Function package (`make
# packages` does both without Docker).

ARG GO_VERSION=1.26

FROM --platform=${BUILDPLATFORM} golang:${GO_VERSION} AS build
WORKDIR /src
ENV CGO_ENABLED=0
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
ARG FUNCTION
ARG TARGETOS
ARG TARGETARCH
RUN --mount=target=. \
    --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    test -n "${FUNCTION}" && \
    GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -buildvcs=false -ldflags="-s -w -buildid=" -o /function ./functions/${FUNCTION}

# Static binary, nothing else: no shell, no libc, not root (distroless's
# nonroot user, by number: there is no /etc/passwd).
FROM scratch
COPY --from=build --chmod=0755 /function /function
EXPOSE 9443
USER 65532:65532
ENTRYPOINT ["/function"]
