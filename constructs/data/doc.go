// Package data defines the DynamoDB tables of the fleet and the tenant isolation of pooled ones.
//
//	t := data.NewTable(stack, "Orders", &data.TableProps{})
//	t.GrantReadWriteData(siloTaskRole)                 // a silo tenant's own table
//	t.GrantTenantReadWriteData(taskRole, "acme-health") // only items with pk "acme-health#..."
//
// A table shared by the tenants of a pool keys every item by "<tenantId>#..." in its partition
// key. The pooled task role does not get the table itself: it assumes a tenant-scoped role with a
// session tag "tenant", and that role only reaches items whose partition key starts with
// "${aws:PrincipalTag/tenant}#" (the token vending pattern of the AWS SaaS reference
// architectures):
//
//	scoped := data.NewTenantScopedRole(stack, "OrdersTenantRole", t, pooledTaskRole)
//	// at run time: sts:AssumeRole on scoped.RoleArn() with Tags [{Key: "tenant", Value: tenantID}]
//
// NewTable creates:
//   - an on-demand DynamoDB table (AWS::DynamoDB::GlobalTable, one replica in the stack's
//     region) with string keys "pk" and "sk", point-in-time recovery and, when asked, deletion
//     protection and contributor insights; retained when its stack is deleted, unless told
//     otherwise;
//   - unless one is given, a customer-managed KMS key with rotation that encrypts the table.
//
// NewTenantScopedRole creates an IAM role, trusted only by the given role and only with a
// "tenant" session tag, whose policy reads and writes the table under dynamodb:LeadingKeys.
package data
