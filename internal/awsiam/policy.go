// Package awsiam builds IAM policy documents as typed values, so that no
// policy is ever assembled as a string.
package awsiam

import (
	"encoding/json"

	"github.com/crossplane/function-sdk-go/errors"
)

// Version of the IAM policy language.
const Version = "2012-10-17"

// PolicyDocument is an IAM policy document.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement of a policy document.
type Statement struct {
	Sid       string            `json:"Sid,omitempty"`
	Effect    string            `json:"Effect"`
	Principal map[string]string `json:"Principal,omitempty"`
	Action    []string          `json:"Action"`
	Resource  []string          `json:"Resource,omitempty"`
	// Condition maps an operator to keys and values, such as
	// {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}.
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// ServiceTrust lets an AWS service principal assume a role.
func ServiceTrust(service string, actions ...string) PolicyDocument {
	return PolicyDocument{
		Version:   Version,
		Statement: []Statement{{Effect: "Allow", Principal: map[string]string{"Service": service}, Action: actions}},
	}
}

// JSON renders the document as IAM expects it.
func (d PolicyDocument) JSON() (string, error) {
	b, err := json.Marshal(d)
	return string(b), errors.Wrap(err, "cannot marshal IAM policy document")
}
