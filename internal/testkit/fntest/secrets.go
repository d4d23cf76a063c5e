package fntest

import (
	"bytes"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/protobuf/encoding/protojson"
)

// Sentinel is a credential value planted in requests: it must never come
// back in a response (desired resources, XR status, results, which become
// events and conditions) nor in a log line.
const Sentinel = "s3ntinel-Pa55w0rd-7f3a9c"

// LogBuffer captures every log line of a function, at every verbosity.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Logger logs into the buffer as the functions do in production (zap's
// JSON encoder, through zapr), at debug level, so that debug lines are
// scanned too.
func (b *LogBuffer) Logger() logging.Logger {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	core := zapcore.NewCore(enc, zapcore.AddSync(b), zap.NewAtomicLevelAt(zapcore.Level(-10)))
	return logging.NewLogrLogger(zapr.NewLogger(zap.New(core)))
}

// Write lets zap write into the buffer.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// PlantSecrets gives every observed composed resource and the observed
// composite connection details holding Sentinel, as Crossplane sends them
// (a ClusterAuth's kubeconfig, a cache's AUTH token), and puts it in the
// request's credentials.
func PlantSecrets(req *fnv1.RunFunctionRequest) {
	if req.Observed == nil {
		req.Observed = &fnv1.State{}
	}
	secret := map[string][]byte{"password": []byte(Sentinel), "kubeconfig": []byte("token: " + Sentinel), "attribute.auth_token": []byte(Sentinel)}
	if req.Observed.Composite != nil {
		req.Observed.Composite.ConnectionDetails = secret
	}
	for _, r := range req.Observed.Resources {
		r.ConnectionDetails = secret
	}
	req.Credentials = map[string]*fnv1.Credentials{"aws": {Source: &fnv1.Credentials_CredentialData{
		CredentialData: &fnv1.CredentialData{Data: secret},
	}}}
}

// NoSecretIn fails t if Sentinel is anywhere in rsp or in the logs.
func NoSecretIn(t *testing.T, rsp *fnv1.RunFunctionResponse, logs string) {
	t.Helper()
	b, err := protojson.Marshal(rsp)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), Sentinel) {
		t.Errorf("a planted credential is in the response:\n%s", b)
	}
	// zap writes bytes as base64.
	for _, form := range []string{Sentinel, base64.StdEncoding.EncodeToString([]byte(Sentinel))[:24]} {
		if strings.Contains(logs, form) {
			t.Errorf("a planted credential is in the function's logs:\n%s", logs)
		}
	}
	// Connection details pass through as the composite's: the platform
	// and tenant functions publish none.
	if n := len(rsp.GetDesired().GetComposite().GetConnectionDetails()); n != 0 {
		t.Errorf("the response publishes %d connection details", n)
	}
}
