package main

import (
	"embed"
	"fmt"
	"net"
	"strconv"
	"strings"

	kubev1alpha2 "github.com/crossplane-contrib/provider-kubernetes/apis/cluster/object/v1alpha2"
	frsc "github.com/crossplane/function-sdk-go/resource"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/openedx-cloud/platform-aws/apis/v1alpha1"
	"github.com/openedx-cloud/platform-aws/internal/compose"
	"github.com/openedx-cloud/platform-aws/internal/provisionjob"
)

// A composition function has no pre-delete hook, so a tenant cannot drop
// its own databases. The platform does it instead: once a tenant whose
// recorded deletionPolicy was Delete is gone, it is listed in
// status.tenants.deprovisioning (tenants.go) and a Job of the provisioner,
// in its namespace and as its ServiceAccount, drops the tenant's MySQL
// database and user and its MongoDB user and two databases. The Job reads
// the admin secrets itself, as the tenant's provisioning Job does: no
// credential is ever in a composed resource, a status or a log line.

// Names of the deprovisioning Objects.
const (
	nameDeprovisionScripts frsc.Name = "kubernetes-deprovision-scripts"
	// namePrefixDeprovisionJob starts each Job Object's name, followed by
	// the instance and the hash its Job's name ends in: a Job of a new spec
	// is a new Object, and the old one is deleted.
	namePrefixDeprovisionJob = "kubernetes-deprovision-job-"

	deprovisionScriptsConfigMap = "openedx-deprovision"
	componentDeprovisioning     = "deprovisioning"
)

// deprovisionScriptFiles are the Job's scripts, delivered in a ConfigMap.
//
//go:embed deprovision/*.sh deprovision/*.py deprovision/*.js
var deprovisionScriptFiles embed.FS

// deprovisionInputs are the data stores' endpoints and admin secrets, as
// the platform's status publishes them to tenants.
type deprovisionInputs struct {
	Region                string
	MySQLHost             string
	MySQLPort             int
	MySQLAdminSecretARN   string
	MongoDBHosts          []string
	MongoDBReplicaSet     string
	MongoDBAdminSecretARN string
	MongoDBTLS            bool
	// MongoDBCASecretARN holds the certificate of the CA of the platform's
	// own members; empty for an external replica set.
	MongoDBCASecretARN string
}

// observedDeprovisionInputs reads the inputs. missing says what is not
// known yet, or that the provisioner cannot act as its role yet.
func observedDeprovisionInputs(p *plan, observed map[frsc.Name]frsc.ObservedComposed) (deprovisionInputs, []string) {
	db, mongo := databaseStatus(observed), mongodbStatus(p, observed)
	in := deprovisionInputs{
		Region:                p.Region,
		MySQLHost:             db.WriterEndpoint,
		MySQLPort:             db.Port,
		MySQLAdminSecretARN:   db.AdminSecretARN,
		MongoDBReplicaSet:     mongo.ReplicaSet,
		MongoDBAdminSecretARN: mongo.AdminSecretARN,
		// The platform's own members speak TLS only, as does MongoDB Atlas.
		MongoDBTLS:         mongo.TLS,
		MongoDBCASecretARN: mongo.CASecretARN,
	}
	if in.MySQLPort == 0 {
		in.MySQLPort = portMySQL
	}
	for _, h := range mongo.Hosts {
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, strconv.Itoa(mongodbPort))
		}
		in.MongoDBHosts = append(in.MongoDBHosts, h)
	}
	var missing []string
	need := func(ok bool, what string) {
		if !ok {
			missing = append(missing, what)
		}
	}
	need(provisionerStatus(observed).Ready, "the provisioner's ServiceAccount bound to its IAM role")
	need(in.MySQLHost != "", fmt.Sprintf("the endpoint of RDS cluster %q", nameDBCluster))
	need(in.MySQLAdminSecretARN != "", fmt.Sprintf("the ARN of the master user secret of RDS cluster %q", nameDBCluster))
	need(len(in.MongoDBHosts) > 0 && in.MongoDBReplicaSet != "", "the MongoDB replica set's members")
	need(in.MongoDBAdminSecretARN != "", "the ARN of the MongoDB admin secret")
	need(mongo.External || in.MongoDBCASecretARN != "", "the ARN of the MongoDB CA certificate secret")
	return in, missing
}

// deprovisionCAFile is where fetch.sh writes the MongoDB CA certificate,
// or empty when there is none to verify with.
func deprovisionCAFile(in deprovisionInputs) string {
	if !in.MongoDBTLS || in.MongoDBCASecretARN == "" {
		return ""
	}
	return provisionjob.WorkMountPath + "/in/mongodb-ca.pem"
}

// deprovisionObjects are, while any tenant's data is to be dropped, the
// ConfigMap of the scripts and one Job per entry, in the provisioner's
// namespace. pending names what the Jobs wait for, and failed the Jobs
// that failed for good.
func deprovisionObjects(p *plan, observed map[frsc.Name]frsc.ObservedComposed, entries []v1alpha1.TenantDeprovisioning) (rs []compose.Resource, pending []string, failed []string, err error) {
	if len(entries) == 0 {
		return nil, nil, nil, nil
	}
	in, missing := observedDeprovisionInputs(p, observed)
	if len(missing) > 0 {
		return nil, missing, nil, nil
	}
	scripts, err := deprovisionScripts()
	if err != nil {
		return nil, nil, nil, err
	}
	cm := provisionjob.ScriptsConfigMap(deprovisionScriptsConfigMap, provisionerNamespace, inClusterLabels(componentDeprovisioning), scripts)
	cmObj, err := compose.KubernetesObject(cm, p.kubernetesProviderConfigName(), kubev1alpha2.Readiness{})
	if err != nil {
		return nil, nil, nil, err
	}
	// Dropping a deleted tenant's data never makes the platform not
	// ready: its other tenants would report PlatformReady=False for it.
	// Progress and failures are results.
	rs = append(rs, compose.Resource{Name: nameDeprovisionScripts, Object: cmObj, AlwaysReady: true})
	for _, e := range entries {
		job, err := deprovisionJob(in, e, scripts)
		if err != nil {
			return nil, nil, nil, err
		}
		obj, err := provisionjob.Object(job, p.kubernetesProviderConfigName())
		if err != nil {
			return nil, nil, nil, err
		}
		name := deprovisionJobResource(e, job)
		if reason := provisionjob.Failure(observed, name); reason != "" {
			failed = append(failed, fmt.Sprintf("Job %s/%s dropping the data of instance %q failed (%s); read its pods' logs, then delete the Job to run it again", job.Namespace, job.Name, e.Instance, reason))
		}
		rs = append(rs, compose.Resource{Name: name, Object: obj, AlwaysReady: true})
	}
	return rs, nil, failed, nil
}

// deprovisioned reports whether the data of e has been dropped: the Job of
// the current spec was observed succeeded.
func deprovisioned(p *plan, observed map[frsc.Name]frsc.ObservedComposed, e v1alpha1.TenantDeprovisioning) bool {
	in, missing := observedDeprovisionInputs(p, observed)
	if len(missing) > 0 {
		return false
	}
	scripts, err := deprovisionScripts()
	if err != nil {
		return false
	}
	job, err := deprovisionJob(in, e, scripts)
	if err != nil {
		return false
	}
	return provisionjob.Succeeded(observed, deprovisionJobResource(e, job))
}

// deprovisionJobResource is the composition name of the Object of job.
func deprovisionJobResource(e v1alpha1.TenantDeprovisioning, job *batchv1.Job) frsc.Name {
	return provisionjob.Resource(namePrefixDeprovisionJob+e.Instance+"-", job)
}

// deprovisionScripts are the embedded scripts by file name.
func deprovisionScripts() (map[string]string, error) {
	return provisionjob.LoadScripts(deprovisionScriptFiles, "deprovision")
}

// deprovisionJob drops e's data. Its steps run one after the other, each
// idempotent, in the images and under the restricted security context of
// the tenant's provisioning Job.
func deprovisionJob(in deprovisionInputs, e v1alpha1.TenantDeprovisioning, scripts map[string]string) (*batchv1.Job, error) {
	names, sum := provisionjob.ScriptsDigest(scripts)
	small := provisionjob.ContainerResources("50m", "32Mi", "128Mi")
	labels := inClusterLabels(componentDeprovisioning)
	labels[v1alpha1.Group+"/tenant"] = e.Instance
	return provisionjob.Job(provisionjob.Spec{
		NamePrefix:       "deprovision-" + e.Instance,
		Namespace:        provisionerNamespace,
		Labels:           labels,
		PodLabels:        labels,
		ServiceAccount:   provisionerServiceAccount,
		ScriptsConfigMap: deprovisionScriptsConfigMap,
		Steps: []corev1.Container{
			provisionjob.Step("fetch", provisionjob.ImageAWSCLI, []string{"sh", "/scripts/fetch.sh"}, provisionjob.ContainerResources("50m", "128Mi", "256Mi"), provisionjob.AWSEnv(in.Region,
				"SCRIPTS", strings.Join(names, " "),
				"SCRIPTS_SHA256", sum,
				"MYSQL_ADMIN_SECRET_ARN", in.MySQLAdminSecretARN,
				"MONGODB_ADMIN_SECRET_ARN", in.MongoDBAdminSecretARN,
				"MONGODB_CA_SECRET_ARN", in.MongoDBCASecretARN,
			)),
			provisionjob.Step("credentials", provisionjob.ImagePython, []string{"python3", "/scripts/credentials.py"}, small, provisionjob.PythonEnv()),
			provisionjob.Step("mysql", provisionjob.ImageMySQL, []string{"sh", "/scripts/mysql.sh"}, small, provisionjob.Env(
				"MYSQL_HOST", in.MySQLHost,
				"MYSQL_PORT", strconv.Itoa(in.MySQLPort),
				"MYSQL_DATABASE", e.MySQLDatabase,
				"MYSQL_USERNAME", e.MySQLUser,
			)),
		},
		// mongosh is a Node.js program: it needs more memory than the rest.
		Last: provisionjob.Step("mongodb", provisionjob.ImageMongoDB, []string{"sh", "/scripts/mongodb.sh"}, provisionjob.ContainerResources("100m", "128Mi", "512Mi"), provisionjob.Env(
			"MONGODB_HOSTS", strings.Join(in.MongoDBHosts, ","),
			"MONGODB_REPLICA_SET", in.MongoDBReplicaSet,
			"MONGODB_TLS", strconv.FormatBool(in.MongoDBTLS),
			"MONGODB_TLS_CA_FILE", deprovisionCAFile(in),
			"MONGODB_USERNAME", e.MongoDBUser,
			"MONGODB_DATABASE", e.MongoDBDatabase,
			"FORUM_MONGODB_DATABASE", e.ForumDatabase,
		)),
	})
}
