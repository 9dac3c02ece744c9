// Package registry defines the tenant registry: the fleet's main configuration database, one
// DynamoDB item per tenant and environment, written by the tenants' own stacks as they deploy.
//
// In the platform account (the control-plane stack):
//
//	reg := registry.NewRegistry(stack, "Registry", &registry.RegistryProps{
//		WriterAccounts: []string{"222222222222", "333333333333", "444444444444"},
//	})
//	reg.TableName()     // "fleet-tenant-registry"
//	reg.WriterRoleArn() // "arn:aws:iam::111111111111:role/fleet-registry-writer"
//
// In every tenant stack, whatever account it lives in (no cross-stack reference: the table
// name and the writer role ARN are deterministic strings):
//
//	registry.NewRegistryEntry(tenantStack, "RegistryEntry", &registry.RegistryEntryProps{
//		TableName:     registry.DefaultTableName,
//		TableRegion:   "eu-west-1",
//		WriterRoleArn: registry.WriterRoleArn("111111111111"),
//		TenantID:      "acme-health",
//		Environment:   "staging",
//		Item: map[string]string{
//			registry.AttrTier: "silo", registry.AttrCell: "stg-euw1-a",
//			registry.AttrAccount: "222222222222", registry.AttrRegion: "eu-west-1",
//			registry.AttrDomains: "acme.staging.adhere.example.com",
//		},
//	})
//
// Why entries live in the tenant stacks: the registry must be written on every deploy, and a
// fleet can hold thousands of tenants. One stack holding one resource per tenant would hit the
// 500-resource limit of a CloudFormation stack around 500 tenants and would redeploy every
// entry on any change. Each tenant stack carries only its own item, so the registry scales with
// the fleet and a tenant's item changes exactly when its stack does.
//
// NewRegistry creates:
//   - the table (constructs/data.NewTable): partition key "tenantId", sort key "environment",
//     on demand, point-in-time recovery, a customer-managed KMS key with rotation, deletion
//     protection, retained on delete; its name is RegistryProps.TableName;
//   - the IAM role "fleet-registry-writer" (WriterRoleName). Its trust policy lets only roles
//     under the path /fleet/registry-entry/ (the ones NewRegistryEntry creates) of the writer
//     accounts (or of the organization) assume it. Its customer-managed policy allows dynamodb:PutItem and
//     dynamodb:UpdateItem on the table only, only for requests that name a key
//     (dynamodb:LeadingKeys present) and only on the registry's attributes (Attributes), plus
//     the use of the table's key through DynamoDB.
//
// NewRegistryEntry creates a custom resource (customresources.AwsCustomResource) whose Lambda
// role lives under /fleet/registry-entry/ and, through a customer-managed policy, may only
// sts:AssumeRole the writer role and write to the function's own log group. The CDK runs every
// AwsCustomResource of a stack in one function with the role of the first one created: when
// another construct (a dedicated tenant's ingress) created it, that role is moved under
// /fleet/registry-entry/ and gets the policy, so the writer role trusts the calls. On
// create and update it calls dynamodb:PutItem with the item (status "active"); on delete it
// calls dynamodb:UpdateItem to set status "offboarded", so an offboarded tenant stays on record.
//
// Least privilege, and its limit: the writer role is shared by every tenant stack, and neither
// the custom-resource handler nor IAM can bind a role session to one tenant id (the handler
// passes no session tags), so dynamodb:LeadingKeys cannot be pinned to the caller's tenant. A
// principal allowed by the trust policy can therefore write any tenant's item. Mitigations: the
// trust is limited to the fleet's accounts and to the /fleet/registry-entry/ role path, the
// actions and attributes are limited, and CloudTrail records every AssumeRole with the calling
// role's ARN.
package registry
