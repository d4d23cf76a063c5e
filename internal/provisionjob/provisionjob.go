// Package provisionjob holds what the Jobs of the platform's provisioner
// namespace share: the tenant's provisioning Job and the platform's
// deprovisioning Job run the same images under the same restricted
// security context.
package provisionjob

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

// Images of the Jobs' steps: official images, pinned by tag. The data
// stores' clients match the servers' major versions (Aurora MySQL 3 is
// MySQL 8.0 compatible, which the 8.4 client speaks).
const (
	ImageAWSCLI  = "public.ecr.aws/aws-cli/aws-cli:2.36.49"
	ImagePython  = "python:3.13-slim"
	ImageMySQL   = "mysql:8.4"
	ImageMongoDB = "mongo:7.0"
)

// UID every step runs as, so that files of the work volume pass between
// steps with mode 0600.
const UID = 65532

// Succeeded is a Job Object's readiness: provider-kubernetes evaluates it
// on the observed Job.
const Succeeded = "has(object.status) && has(object.status.succeeded) && object.status.succeeded >= 1"

// ContainerResources requests cpu and memory and limits memory. CPU is not
// limited, as nowhere else on the platform.
func ContainerResources(cpu, memory, memoryLimit string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memoryLimit)},
	}
}

// RestrictedPodSecurityContext and RestrictedContainerSecurityContext meet
// the "restricted" Pod Security Standard, which the provisioner namespace
// enforces.
func RestrictedPodSecurityContext() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr.To(true),
		RunAsUser:      ptr.To[int64](UID),
		RunAsGroup:     ptr.To[int64](UID),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// RestrictedContainerSecurityContext: see RestrictedPodSecurityContext.
func RestrictedContainerSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             ptr.To(true),
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}
