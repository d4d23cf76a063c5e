package main

import (
	ec2v1beta1 "github.com/upbound/provider-aws/apis/ec2/v1beta1"
	"k8s.io/utils/ptr"
)

// al2023ARM64 is the newest Amazon Linux 2023 for Graviton. EC2 resolves
// the parameter at launch, so every instance starts from a patched image.
const al2023ARM64 = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"

// hardenedLaunchTemplate is what every instance of the platform launches
// from: IMDSv2 only with a hop limit of 1, no key pair (Session Manager is
// the only way in), the role's instance profile, an OS shutdown that stops
// rather than terminates, and its instances, volumes and interfaces tagged.
// Callers add their volumes and network placement.
func hardenedLaunchTemplate(p *plan, role, awsName, description string) *ec2v1beta1.LaunchTemplate {
	tagSpecs := make([]ec2v1beta1.TagSpecificationsParameters, 0, 3)
	for _, t := range []string{"instance", "volume", "network-interface"} {
		tagSpecs = append(tagSpecs, ec2v1beta1.TagSpecificationsParameters{ResourceType: ptr.To(t), Tags: p.tags(awsName)})
	}
	return &ec2v1beta1.LaunchTemplate{
		ObjectMeta: meta(map[string]string{LabelRole: role}),
		Spec: ec2v1beta1.LaunchTemplateSpec{
			ResourceSpec: p.resourceSpec(),
			ForProvider: ec2v1beta1.LaunchTemplateParameters_2{
				Region:      &p.Region,
				Name:        &awsName,
				Description: &description,
				ImageID:     ptr.To(al2023ARM64),
				MetadataOptions: []ec2v1beta1.LaunchTemplateMetadataOptionsParameters{{
					HTTPEndpoint:            ptr.To("enabled"),
					HTTPTokens:              ptr.To("required"),
					HTTPPutResponseHopLimit: ptr.To(float64(1)),
					InstanceMetadataTags:    ptr.To("disabled"),
				}},
				InstanceInitiatedShutdownBehavior: ptr.To("stop"),
				IAMInstanceProfile: []ec2v1beta1.IAMInstanceProfileParameters{{
					NameSelector: selector(map[string]string{LabelRole: role}),
				}},
				TagSpecifications: tagSpecs,
				Tags:              p.tags(awsName),
			},
		},
	}
}

// encryptedVolume is a gp3 volume encrypted with the data key.
func encryptedVolume(device string, sizeGiB int, deleteOnTermination bool) ec2v1beta1.BlockDeviceMappingsParameters {
	del := "false"
	if deleteOnTermination {
		del = "true"
	}
	return ec2v1beta1.BlockDeviceMappingsParameters{DeviceName: ptr.To(device), EBS: []ec2v1beta1.EBSParameters{{
		VolumeType:          ptr.To("gp3"),
		VolumeSize:          ptr.To(float64(sizeGiB)),
		Encrypted:           ptr.To("true"),
		KMSKeyIDSelector:    dataKeySelector(),
		DeleteOnTermination: ptr.To(del),
	}}}
}
