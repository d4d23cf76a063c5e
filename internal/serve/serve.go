// Package serve is the command line both functions share. Its flags are
// those of crossplane/function-template-go, so the functions run like any
// other Crossplane function.
package serve

import (
	"time"

	function "github.com/crossplane/function-sdk-go"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// MaxRecvMessageSizeMB is the default of --max-recv-message-size: a
// request carries every composite the function requires whole, and the
// platform's carries each of its tenants, up to 1000 (see
// functions/platform's TestRequestAtFullCapacityFits). gRPC's own 4 MB
// would refuse a platform of a few hundred tenants.
const MaxRecvMessageSizeMB = 64

// Options of a function's command line.
type Options struct {
	Debug bool `help:"Emit debug logs in addition to info logs." short:"d"`

	Network            string `default:"tcp"   help:"Network on which to listen for gRPC connections."`
	Address            string `default:":9443" help:"Address at which to listen for gRPC connections."`
	TLSCertsDir        string `env:"TLS_SERVER_CERTS_DIR" help:"Directory containing server certs (tls.key, tls.crt) and the CA used to verify client certificates (ca.crt)." name:"tls-certs-dir"`
	Insecure           bool   `help:"Run without mTLS credentials. If you supply this flag --tls-certs-dir will be ignored."`
	MaxRecvMessageSize int    `default:"64"    help:"Maximum size of received messages in MB."`
	MetricsAddress     string `default:":8080" help:"Address at which to serve Prometheus metrics."`

	// Realtime compositions poll no other way: Crossplane calls a function
	// again when a composed resource changes, or when the TTL of its last
	// response has passed. Crossplane does not watch tenants, so a new
	// tenant waits up to this long for its platform to admit it.
	PollInterval time.Duration `default:"1m" help:"How long Crossplane keeps a response (its TTL) before it calls the function again."`
}

// Serve runs the function built by newFn, given its logger and its
// responses' TTL, until the process is stopped.
func (o *Options) Serve(newFn func(log logging.Logger, ttl time.Duration) fnv1.FunctionRunnerServiceServer) error {
	log, err := function.NewLogger(o.Debug)
	if err != nil {
		return err
	}
	return function.Serve(newFn(log, o.PollInterval),
		function.Listen(o.Network, o.Address),
		function.MTLSCertificates(o.TLSCertsDir),
		function.Insecure(o.Insecure),
		function.MaxRecvMessageSize(o.MaxRecvMessageSize*1024*1024),
		function.WithMetricsServer(o.MetricsAddress))
}
