package awsregions

// elbAccounts are the Elastic Load Balancing accounts that write the access
// logs of load balancers in the regions opened before August 2022, from the
// Elastic Load Balancing user guide ("Enable access logs for your
// Application Load Balancer", step 2, "Regions available before August
// 2022"), the AWS GovCloud (US) user guide (Elastic Load Balancing) and the
// Amazon Web Services in China documentation. Every other region of Zones
// opened in August 2022 or later, where the service principal
// ELBLogDeliveryService writes instead.
var elbAccounts = map[string]string{
	"af-south-1":     "098369216593",
	"ap-east-1":      "754344448648",
	"ap-northeast-1": "582318560864",
	"ap-northeast-2": "600734575887",
	"ap-northeast-3": "383597477331",
	"ap-south-1":     "718504428378",
	"ap-southeast-1": "114774131450",
	"ap-southeast-2": "783225319266",
	"ap-southeast-3": "589379963580",
	"ca-central-1":   "985666609251",
	"cn-north-1":     "638102146993",
	"cn-northwest-1": "037604701340",
	"eu-central-1":   "054676820928",
	"eu-north-1":     "897822967062",
	"eu-south-1":     "635631232127",
	"eu-west-1":      "156460612806",
	"eu-west-2":      "652711504416",
	"eu-west-3":      "009996457667",
	"me-south-1":     "076674570225",
	"sa-east-1":      "507241528517",
	"us-east-1":      "127311923021",
	"us-east-2":      "033677994240",
	"us-gov-east-1":  "190560391635",
	"us-gov-west-1":  "048591011584",
	"us-west-1":      "027434742980",
	"us-west-2":      "797873946194",
}

// ELBLogDeliveryService is the service principal that writes load balancer
// access logs in the regions opened in August 2022 or later.
const ELBLogDeliveryService = "logdelivery.elasticloadbalancing.amazonaws.com"

// ELBLogWriter is who a bucket policy must let write the access logs of a
// load balancer in region: the region's Elastic Load Balancing account, or
// else, for a region opened in August 2022 or later, the service principal
// ELBLogDeliveryService. account is "" in the second case.
func ELBLogWriter(region string) (account, service string) {
	if a, ok := elbAccounts[region]; ok {
		return a, ""
	}
	return "", ELBLogDeliveryService
}

// noCloudFrontLogs are the regions whose S3 buckets CloudFront's standard
// logging (legacy) does not deliver to: the opt-in regions. The CloudFront
// developer guide ("Configure standard logging (legacy)", "Choose an Amazon
// S3 bucket for standard logs") lists af-south-1, ap-east-1, ap-south-2,
// ap-southeast-3, ap-southeast-4, ca-west-1, eu-central-2, eu-south-1,
// eu-south-2, il-central-1, me-central-1 and me-south-1; the opt-in regions
// opened since (ap-east-2, ap-southeast-5, ap-southeast-7, mx-central-1) are
// not listed there yet and are treated the same, since what the listed ones
// share is being opt-in.
var noCloudFrontLogs = map[string]bool{
	"af-south-1":     true,
	"ap-east-1":      true,
	"ap-east-2":      true,
	"ap-south-2":     true,
	"ap-southeast-3": true,
	"ap-southeast-4": true,
	"ap-southeast-5": true,
	"ap-southeast-7": true,
	"ca-west-1":      true,
	"eu-central-2":   true,
	"eu-south-1":     true,
	"eu-south-2":     true,
	"il-central-1":   true,
	"me-central-1":   true,
	"me-south-1":     true,
	"mx-central-1":   true,
}

// CloudFrontLogsRegion is the region of the bucket that takes the standard
// logs of a CloudFront distribution serving a platform in region: the
// platform's own, or us-east-1 where CloudFront cannot deliver logs.
func CloudFrontLogsRegion(region string) string {
	if noCloudFrontLogs[region] {
		return "us-east-1"
	}
	return region
}
