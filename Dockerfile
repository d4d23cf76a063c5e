# syntax=docker/dockerfile:1
# One image per function:
#   docker buildx build --build-arg FUNCTION=platform --platform linux/amd64,linux/arm64 .
#   docker buildx build --build-arg FUNCTION=tenant   --platform linux/amd64,linux/arm64 .
# Then `crossplane xpkg build --package-root=package/functions/<fn>
# --embed-runtime-image=<image>` makes the Function package.

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
    GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -ldflags="-s -w" -o /function ./functions/${FUNCTION}

# Static binary, no shell, not root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /function /function
EXPOSE 9443
USER nonroot:nonroot
ENTRYPOINT ["/function"]
