// Package vending defines account vending for dedicated tenants (AWS Organizations) and the
// bootstrap of the tenants' accounts (a service-managed CloudFormation StackSet), so that the
// pipeline in the platform account may deploy into them.
//
//	v := vending.NewVending(stack, "Vending", &vending.VendingProps{
//		Requests: []vending.AccountRequest{
//			{TenantID: "orbit-care", Email: "aws+orbit-care@adhere.example.com", Tags: map[string]string{"Partner": "orbit-care"}},
//		},
//		TenantsOU:       "ou-ab12-tenants01",
//		PipelineAccount: "111111111111",
//		Regions:         []string{"eu-central-1", "eu-west-1"},
//	})
//	v.AccountID("orbit-care") // the vended account's id (a token): record it as account.id
//
// NewVending creates:
//   - per request, an AWS::Organizations::Account named "fleet-<tenant>" with the request's
//     e-mail, in its organizational unit (default: TenantsOU), tagged fleet:tenant=<tenant> plus
//     the request's tags, retained when removed from the stack (closing an AWS account is a
//     human decision, never a side effect of a deploy);
//   - one service-managed StackSet "fleet-tenant-bootstrap" with automatic deployment (and
//     RetainStacksOnAccountRemoval) to the tenants' organizational units, in Regions plus
//     us-east-1 (CloudFront certificates and web ACLs live there). Every account created in or
//     moved into those OUs is bootstrapped without anyone running `cdk bootstrap` in it.
//
// The StackSet's template (BootstrapTemplate) is a compact CDK bootstrap template, version
// BootstrapVersion, with what `cdk deploy` and the modern stack synthesizer need under the
// default qualifier "hnb659fds": the staging bucket (KMS-encrypted, public access blocked,
// TLS-only, versioned, retained), the container asset repository (immutable tags, scan on
// push, retained), the deploy, file-publishing, image-publishing and lookup roles trusting the
// account itself and the pipeline account, the CloudFormation execution role trusting only
// cloudformation.amazonaws.com, and the SSM parameter /cdk-bootstrap/hnb659fds/version. With
// LifecycleBusArn it also holds the lifecycle forwarder rule (see constructs/lifecycle), which
// must exist before the first tenant stack so a failed first deploy is reported.
//
// Requirements: AWS::Organizations::Account can only be created from the organization's
// management account, and service-managed StackSets need trusted access for CloudFormation
// StackSets enabled in the organization (CallAs SELF from the management account, or
// DELEGATED_ADMIN from a registered delegated administrator). Instances of a service-managed
// StackSet are not deployed to the management account itself.
package vending
