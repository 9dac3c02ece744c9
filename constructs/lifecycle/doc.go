// Package lifecycle defines the tenant lifecycle event bus of the platform account, the rules
// that turn CloudFormation stack status changes of tenant stacks into lifecycle events, and the
// forwarder other accounts add to send those status changes to it.
//
// In the platform account (the control-plane stack):
//
//	bus := lifecycle.NewLifecycleBus(stack, "Lifecycle", &lifecycle.LifecycleBusProps{
//		SourceAccounts: []string{"222222222222", "333333333333", "444444444444"},
//		Environments:   []string{"staging", "production"},
//	})
//	bus.BusArn() // "arn:aws:events:eu-west-1:111111111111:event-bus/fleet-tenant-lifecycle"
//
// In every account and region that holds tenant stacks, once (see "Forwarders" below):
//
//	lifecycle.NewFailureForwarder(cellStack, "LifecycleForwarder", &lifecycle.FailureForwarderProps{
//		BusArn: lifecycle.BusArn("111111111111", "eu-west-1", lifecycle.DefaultBusName),
//	})
//
// Events (docs/lifecycle-events.md has the detail schema of each): source Source
// ("fleet.tenant"), detail types DetailTypeOnboardingRequested, DetailTypeOnboardingSucceeded,
// DetailTypeOnboardingFailed, DetailTypeUpdated, DetailTypeOffboardingRequested and
// DetailTypeOffboardingDone.
//
// How stack status changes become lifecycle events. EventBridge cannot change the source or
// detail type of an event it forwards to another bus (input transformers do not apply to event
// bus targets), so the translation is a one-state Step Functions state machine (no code to
// maintain) that calls events:PutEvents on the lifecycle bus:
//
//	tenant-* stack status change ──(default bus rule, input transformer)──► Publisher ──► lifecycle bus
//	   in another account: forwarder rule ──► lifecycle bus ──(rule, input transformer)──► Publisher
//
// NewLifecycleBus creates:
//   - a customer-managed KMS key (rotation, retained, kms:CreateGrant denied except for AWS
//     resources: Control Tower CT.KMS.PR.3) and the event bus encrypted with it;
//   - a bus policy statement that lets SourceAccounts (or the organization) put events whose
//     source is aws.cloudformation, and nothing else: a fleet account can forward stack status
//     changes but cannot forge fleet.tenant events;
//   - the Publisher state machine (STANDARD, so its execution history is an audit trail) whose
//     role may only events:PutEvents on the bus (and deliver its logs and traces); it logs
//     every execution (level ALL, with execution data) to the log group
//     /aws/vendedlogs/states/<bus>-publisher (encrypted with the bus key, two years, retained)
//     and is traced with X-Ray;
//   - on the default bus and on the lifecycle bus, one rule per outcome (Outcomes): failed
//     (ROLLBACK_COMPLETE, UPDATE_ROLLBACK_COMPLETE, CREATE_FAILED, UPDATE_FAILED,
//     DELETE_FAILED → "Tenant Onboarding Failed"), created (CREATE_COMPLETE → "Tenant
//     Onboarding Succeeded"), updated (UPDATE_COMPLETE → "Tenant Updated") and deleted
//     (DELETE_COMPLETE → "Tenant Offboarding Done"), each matching stacks named
//     StackNamePrefix* and targeting the Publisher with an input transformer.
//
// Forwarders. CloudFormation publishes a stack's status changes to the default bus of the
// stack's own account and region. Each account+region that holds tenant stacks therefore needs
// exactly one NewFailureForwarder, in a stack that outlives the tenant stacks (a cell stack,
// or for a dedicated account the bootstrap StackSet of constructs/vending): a forwarder inside
// the tenant stack itself is rolled back with a failed first deploy, before ROLLBACK_COMPLETE
// is published. Two forwarders in one account+region deliver every event twice.
package lifecycle
