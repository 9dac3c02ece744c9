package lifecycle

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/security"
)

// Source is the source of every lifecycle event.
const Source = "fleet.tenant"

// The detail types of lifecycle events. docs/lifecycle-events.md says when each fires.
const (
	DetailTypeOnboardingRequested  = "Tenant Onboarding Requested"
	DetailTypeOnboardingSucceeded  = "Tenant Onboarding Succeeded"
	DetailTypeOnboardingFailed     = "Tenant Onboarding Failed"
	DetailTypeUpdated              = "Tenant Updated"
	DetailTypeOffboardingRequested = "Tenant Offboarding Requested"
	DetailTypeOffboardingDone      = "Tenant Offboarding Done"
)

// DetailTypes lists every lifecycle detail type.
var DetailTypes = []string{
	DetailTypeOnboardingRequested, DetailTypeOnboardingSucceeded, DetailTypeOnboardingFailed,
	DetailTypeUpdated, DetailTypeOffboardingRequested, DetailTypeOffboardingDone,
}

const (
	// DefaultBusName is the lifecycle bus's name unless LifecycleBusProps.BusName says
	// otherwise.
	DefaultBusName = "fleet-tenant-lifecycle"
	// DefaultStackNamePrefix selects the tenant stacks (tenant-<id>-<env>).
	DefaultStackNamePrefix = "tenant-"

	cfnSource     = "aws.cloudformation"
	cfnDetailType = "CloudFormation Stack Status Change"
)

// Outcome maps terminal CloudFormation stack statuses to a lifecycle detail type.
type Outcome struct {
	// Name is a PascalCase name, part of the rules' construct ids.
	Name string
	// Statuses are the CloudFormation stack statuses that mean this outcome.
	Statuses []string
	// DetailType is the lifecycle event published.
	DetailType string
}

// Outcomes are the stack status changes the lifecycle bus turns into events.
var Outcomes = []Outcome{
	{Name: "Failed", Statuses: []string{"ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"}, DetailType: DetailTypeOnboardingFailed},
	{Name: "Created", Statuses: []string{"CREATE_COMPLETE"}, DetailType: DetailTypeOnboardingSucceeded},
	{Name: "Updated", Statuses: []string{"UPDATE_COMPLETE"}, DetailType: DetailTypeUpdated},
	{Name: "Deleted", Statuses: []string{"DELETE_COMPLETE"}, DetailType: DetailTypeOffboardingDone},
}

// BusArn returns the ARN of the lifecycle bus named name in the platform account and region:
// a plain string other accounts' stacks can use without a cross-stack reference.
func BusArn(account, region, name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", region, account, name)
}

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	orgRE     = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	labelRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	busArnRE  = regexp.MustCompile(`^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._-]+$`)
)

// LifecycleBusProps configures a LifecycleBus.
type LifecycleBusProps struct {
	// BusName names the bus. Default: DefaultBusName.
	BusName string
	// SourceAccounts may forward CloudFormation stack status changes to the bus (their
	// forwarders' rules). Duplicates and the bus's own account are ignored. Default: none.
	SourceAccounts []string
	// OrganizationID (o-xxxxxxxxxx), when set, lets every account of the organization forward
	// too. Default: none.
	OrganizationID string
	// Environments are the fleet's environment names. With them the events carry tenantId and
	// environment parsed from the stack name tenant-<tenantId>-<environment>. Default: none
	// (events carry stackName only).
	Environments []string
	// StackNamePrefix selects the stacks whose status changes become events. Default:
	// DefaultStackNamePrefix.
	StackNamePrefix string
	// EncryptionKey encrypts the bus and the Publisher's log group; a given key must let
	// logs.<region>.amazonaws.com use it (the construct adds that to a Key it can change).
	// Default: a new customer-managed key with rotation, retained, whose policy denies
	// kms:CreateGrant except for AWS resources.
	EncryptionKey awskms.IKey
}

// LifecycleBus is the tenant lifecycle event bus.
type LifecycleBus interface {
	constructs.Construct
	// Bus is the event bus.
	Bus() awsevents.IEventBus
	// BusArn is the bus's ARN, a plain string.
	BusArn() string
	// EncryptionKey encrypts the bus.
	EncryptionKey() awskms.IKey
	// Publisher is the state machine that publishes lifecycle events from stack status changes.
	Publisher() awsstepfunctions.IStateMachine
	// GrantPutEvents lets grantee publish events (such as Tenant Onboarding Requested) on the bus.
	GrantPutEvents(grantee awsiam.IGrantable)
}

type lifecycleBus struct {
	constructs.Construct
	bus       awsevents.EventBus
	arn       string
	key       awskms.IKey
	publisher awsstepfunctions.StateMachine
}

func (l *lifecycleBus) Bus() awsevents.IEventBus                  { return l.bus }
func (l *lifecycleBus) BusArn() string                            { return l.arn }
func (l *lifecycleBus) EncryptionKey() awskms.IKey                { return l.key }
func (l *lifecycleBus) Publisher() awsstepfunctions.IStateMachine { return l.publisher }
func (l *lifecycleBus) GrantPutEvents(grantee awsiam.IGrantable) {
	if grantee == nil {
		panic("lifecycle: GrantPutEvents: grantee is required")
	}
	l.bus.GrantPutEventsTo(grantee, nil)
}

// NewLifecycleBus defines the lifecycle bus, its key and policy, the Publisher state machine
// and the rules that turn tenant stack status changes into lifecycle events. The stack must
// have a concrete account and region.
func NewLifecycleBus(scope constructs.Construct, id string, props *LifecycleBusProps) LifecycleBus {
	p := LifecycleBusProps{}
	if props != nil {
		p = *props
	}
	if p.BusName == "" {
		p.BusName = DefaultBusName
	}
	if p.StackNamePrefix == "" {
		p.StackNamePrefix = DefaultStackNamePrefix
	}
	if p.OrganizationID != "" && !orgRE.MatchString(p.OrganizationID) {
		panic(fmt.Sprintf("lifecycle: props.OrganizationID %q is not an organization id (o-xxxxxxxxxx)", p.OrganizationID))
	}
	for _, e := range p.Environments {
		if !labelRE.MatchString(e) {
			panic(fmt.Sprintf("lifecycle: props.Environments: %q is not an environment name", e))
		}
	}
	stack := awscdk.Stack_Of(scope)
	account, region := *stack.Account(), *stack.Region()
	if *awscdk.Token_IsUnresolved(jsii.String(account)) || *awscdk.Token_IsUnresolved(jsii.String(region)) {
		panic("lifecycle: the stack needs a concrete account and region (Env): other accounts build the bus ARN from them")
	}
	var sources []string
	seen := map[string]bool{account: true}
	for _, a := range p.SourceAccounts {
		if !accountRE.MatchString(a) {
			panic(fmt.Sprintf("lifecycle: props.SourceAccounts: %q is not a 12-digit account id", a))
		}
		if !seen[a] {
			seen[a] = true
			sources = append(sources, a)
		}
	}
	sort.Strings(sources)

	this := constructs.NewConstruct(scope, jsii.String(id))
	if p.EncryptionKey == nil {
		p.EncryptionKey = awskms.NewKey(this, jsii.String("Key"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the tenant lifecycle bus " + p.BusName),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		})
		security.DenyForeignGrants(p.EncryptionKey)
	}
	bus := awsevents.NewEventBus(this, jsii.String("Resource"), &awsevents.EventBusProps{
		EventBusName: jsii.String(p.BusName),
		KmsKey:       p.EncryptionKey,
		Description:  jsii.String("Tenant lifecycle events (source " + Source + "): " + strings.Join(DetailTypes, ", ")),
	})
	if len(sources) > 0 || p.OrganizationID != "" {
		allowForwarding(bus, sources, p.OrganizationID)
	}

	publisher := newPublisher(this, bus, p.EncryptionKey, p.BusName, p.StackNamePrefix, p.Environments)
	for _, o := range Outcomes {
		// Status changes of this account's own tenant stacks (default bus) ...
		awsevents.NewRule(this, jsii.String("Local"+o.Name), &awsevents.RuleProps{
			Description:  jsii.String(fmt.Sprintf("%s stacks of this account in %s → %s", p.StackNamePrefix, strings.Join(o.Statuses, "/"), o.DetailType)),
			EventPattern: StackStatusPattern(p.StackNamePrefix, o.Statuses),
			Targets:      &[]awsevents.IRuleTarget{publisherTarget(publisher, o.DetailType)},
		})
		// ... and those forwarded from the fleet's other accounts.
		awsevents.NewRule(this, jsii.String("Forwarded"+o.Name), &awsevents.RuleProps{
			Description:  jsii.String(fmt.Sprintf("%s stacks of other accounts in %s → %s", p.StackNamePrefix, strings.Join(o.Statuses, "/"), o.DetailType)),
			EventBus:     bus,
			EventPattern: StackStatusPattern(p.StackNamePrefix, o.Statuses),
			Targets:      &[]awsevents.IRuleTarget{publisherTarget(publisher, o.DetailType)},
		})
	}
	// After the rules: their targets add the EventsRole under the publisher.
	security.Suppress(publisher, "The inline policies are the CDK's grants for this state machine: its role may put "+
		"events on the lifecycle bus (and use the bus key) only, and write its logs and traces; the rules' "+
		"EventsRole may start this state machine only.", security.InlinePolicy...)
	security.SuppressFindings(publisher, "CloudWatch Logs delivery (logs:CreateLogDelivery, GetLogDelivery, "+
		"UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, "+
		"DescribeLogGroups) and X-Ray (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, "+
		"GetSamplingTargets) have no resource-level permissions; the CDK grants them on * for logging and tracing.",
		"AwsSolutions-IAM5", "Resource::*")
	return &lifecycleBus{Construct: this, bus: bus, arn: BusArn(account, region, p.BusName), key: p.EncryptionKey, publisher: publisher}
}

// allowForwarding lets the given accounts (or organization) put CloudFormation events, and
// only those, on bus.
func allowForwarding(bus awsevents.EventBus, accounts []string, org string) {
	onlyStackEvents := map[string]any{"events:source": []string{cfnSource}, "events:detail-type": []string{cfnDetailType}}
	if len(accounts) > 0 {
		var principals []awsiam.IPrincipal
		for _, a := range accounts {
			principals = append(principals, awsiam.NewAccountPrincipal(jsii.String(a)))
		}
		bus.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("FleetAccountsForwardStackStatusChanges"),
			Principals: &principals,
			Actions:    jsii.Strings("events:PutEvents"),
			Resources:  jsii.Strings(*bus.EventBusArn()),
			Conditions: &map[string]any{"StringEquals": onlyStackEvents},
		}))
	}
	if org != "" {
		cond := map[string]any{"aws:PrincipalOrgID": org}
		for k, v := range onlyStackEvents {
			cond[k] = v
		}
		bus.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("OrganizationForwardsStackStatusChanges"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("events:PutEvents"),
			Resources:  jsii.Strings(*bus.EventBusArn()),
			Conditions: &map[string]any{"StringEquals": cond},
		}))
	}
}

// StackStatusPattern matches CloudFormation stack status changes of stacks whose name starts
// with prefix, in one of statuses.
func StackStatusPattern(prefix string, statuses []string) *awsevents.EventPattern {
	return &awsevents.EventPattern{
		Source:     jsii.Strings(cfnSource),
		DetailType: jsii.Strings(cfnDetailType),
		Detail: &map[string]any{
			"stack-id":       awsevents.Match_Wildcard(jsii.String("arn:*:cloudformation:*:*:stack/" + prefix + "*")),
			"status-details": map[string]any{"status": jsii.Strings(statuses...)},
		},
	}
}

// publisherTarget starts publisher with the stack status change and the detail type to publish.
func publisherTarget(publisher awsstepfunctions.IStateMachine, detailType string) awsevents.IRuleTarget {
	return awseventstargets.NewSfnStateMachine(publisher, &awseventstargets.SfnStateMachineProps{
		Input: awsevents.RuleTargetInput_FromObject(map[string]any{
			"detailType":    detailType,
			"account":       awsevents.EventField_Account(),
			"region":        awsevents.EventField_Region(),
			"time":          awsevents.EventField_Time(),
			"sourceEventId": awsevents.EventField_EventId(),
			"cfn":           awsevents.EventField_FromPath(jsii.String("$.detail")),
		}),
	})
}

// newPublisher defines a one-state JSONata state machine that puts the lifecycle event on bus,
// logging every execution to a log group encrypted with key and tracing with X-Ray.
func newPublisher(scope constructs.Construct, bus awsevents.IEventBus, key awskms.IKey, busName, prefix string, envs []string) awsstepfunctions.StateMachine {
	name := "$split($states.input.cfn.`stack-id`, '/')[1]"
	detail := map[string]any{
		"stackName": "{% " + name + " %}",
		"stackId":   "{% $states.input.cfn.`stack-id` %}",
		"status":    "{% $states.input.cfn.`status-details`.status %}",
		// Optional fields default to "": an undefined JSONata result fails the state.
		"statusReason":  "{% ($r := $states.input.cfn.`status-details`.`status-reason`; $exists($r) ? $r : '') %}",
		"account":       "{% $states.input.account %}",
		"region":        "{% $states.input.region %}",
		"time":          "{% $states.input.time %}",
		"sourceEventId": "{% $states.input.sourceEventId %}",
	}
	if len(envs) > 0 {
		// tenant-<tenantId>-<environment>: the environment is one of a known list, so the
		// split is unambiguous even though tenant ids contain dashes.
		re := "/^" + regexp.QuoteMeta(prefix) + "(.+)-(" + strings.Join(envs, "|") + ")$/"
		group := func(i string) string {
			return "{% ($m := $match(" + name + ", " + re + "); $exists($m) ? $m.groups[" + i + "] : '') %}"
		}
		detail["tenantId"], detail["environment"] = group("0"), group("1")
	}
	put := awsstepfunctionstasks.EventBridgePutEvents_Jsonata(scope, jsii.String("Publish"), &awsstepfunctionstasks.EventBridgePutEventsJsonataProps{
		Comment: jsii.String("Publish the lifecycle event for a tenant stack status change"),
		Entries: &[]*awsstepfunctionstasks.EventBridgePutEventsEntry{{
			EventBus:   bus,
			Source:     jsii.String(Source),
			DetailType: jsii.String("{% $states.input.detailType %}"),
			Detail:     awsstepfunctions.TaskInput_FromObject(&detail),
		}},
	})
	// CloudWatch Logs encrypts the log group with the bus key (a given key must allow
	// logs.<region>.amazonaws.com itself; an imported key's policy cannot be changed here).
	key.GrantEncryptDecrypt(awsiam.NewServicePrincipal(jsii.String("logs."+*awscdk.Stack_Of(scope).Region()+".amazonaws.com"), nil))
	logs := awslogs.NewLogGroup(scope, jsii.String("PublisherLogs"), &awslogs.LogGroupProps{
		// The /aws/vendedlogs/ prefix keeps Step Functions' log delivery from growing the
		// account's CloudWatch Logs resource policy.
		LogGroupName:  jsii.String("/aws/vendedlogs/states/" + busName + "-publisher"),
		EncryptionKey: key,
		Retention:     awslogs.RetentionDays_TWO_YEARS,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	return awsstepfunctions.NewStateMachine(scope, jsii.String("Publisher"), &awsstepfunctions.StateMachineProps{
		Comment:          jsii.String("Turns CloudFormation status changes of tenant stacks into " + Source + " lifecycle events"),
		QueryLanguage:    awsstepfunctions.QueryLanguage_JSONATA,
		DefinitionBody:   awsstepfunctions.DefinitionBody_FromChainable(put),
		StateMachineType: awsstepfunctions.StateMachineType_STANDARD,
		Timeout:          awscdk.Duration_Minutes(jsii.Number(5)),
		// Every execution, with its input and output (stack ids, statuses, reasons: no secrets).
		Logs: &awsstepfunctions.LogOptions{
			Destination:          logs,
			Level:                awsstepfunctions.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(true),
		},
		TracingEnabled: jsii.Bool(true),
	})
}

// FailureForwarderProps configures a FailureForwarder.
type FailureForwarderProps struct {
	// BusArn is the lifecycle bus in the platform account (BusArn(account, region, name)).
	// Required.
	BusArn string
	// StackNamePrefix selects the stacks whose status changes are forwarded. Default:
	// DefaultStackNamePrefix.
	StackNamePrefix string
	// FailuresOnly forwards only failures; otherwise every status of Outcomes (so the platform
	// also learns of successes and deletions). Default: false.
	FailuresOnly bool
}

// FailureForwarder forwards an account's CloudFormation status changes of tenant stacks to the
// platform's lifecycle bus.
type FailureForwarder interface {
	constructs.Construct
	// Rule is the forwarding rule on the account's default bus.
	Rule() awsevents.IRule
}

type failureForwarder struct {
	constructs.Construct
	rule awsevents.Rule
}

func (f *failureForwarder) Rule() awsevents.IRule { return f.rule }

// NewFailureForwarder defines a rule on the default bus of the stack's account and region that
// sends the status changes of tenant stacks there to the lifecycle bus. Add exactly one per
// account and region, in a stack that outlives the tenant stacks (see the package doc).
func NewFailureForwarder(scope constructs.Construct, id string, props *FailureForwarderProps) FailureForwarder {
	if props == nil || props.BusArn == "" {
		panic("lifecycle: NewFailureForwarder: props.BusArn is required (lifecycle.BusArn(platformAccount, platformRegion, lifecycle.DefaultBusName))")
	}
	p := *props
	if !busArnRE.MatchString(p.BusArn) {
		panic(fmt.Sprintf("lifecycle: props.BusArn %q is not an event bus ARN", p.BusArn))
	}
	if p.StackNamePrefix == "" {
		p.StackNamePrefix = DefaultStackNamePrefix
	}
	var statuses []string
	for _, o := range Outcomes {
		if !p.FailuresOnly || o.DetailType == DetailTypeOnboardingFailed {
			statuses = append(statuses, o.Statuses...)
		}
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	target := awsevents.EventBus_FromEventBusArn(this, jsii.String("LifecycleBus"), jsii.String(p.BusArn))
	rule := awsevents.NewRule(this, jsii.String("Resource"), &awsevents.RuleProps{
		Description:  jsii.String("Forward status changes of " + p.StackNamePrefix + "* stacks to the tenant lifecycle bus"),
		EventPattern: StackStatusPattern(p.StackNamePrefix, statuses),
		Targets:      &[]awsevents.IRuleTarget{awseventstargets.NewEventBus(target, nil)},
	})
	security.Suppress(rule, "The rule's EventsRole has the CDK's one inline statement: events:PutEvents on the "+
		"lifecycle bus only.", security.InlinePolicy...)
	return &failureForwarder{Construct: this, rule: rule}
}
