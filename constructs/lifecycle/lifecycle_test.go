package lifecycle_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/lifecycle"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

const (
	platform    = "111111111111"
	busID       = "LifecycleF93AE699"
	keyID       = "LifecycleKeyF891EF6A"
	publisherID = "LifecyclePublisherFB25836F"
)

var failures = []any{"ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"}

func newBus(t *testing.T, props *lifecycle.LifecycleBusProps) (awscdk.Stack, lifecycle.LifecycleBus) {
	t.Helper()
	stack := cdktest.StackIn(platform, "eu-west-1")
	return stack, lifecycle.NewLifecycleBus(stack, "Lifecycle", props)
}

func fleetProps() *lifecycle.LifecycleBusProps {
	return &lifecycle.LifecycleBusProps{
		SourceAccounts: []string{"333333333333", "222222222222", platform, "222222222222"},
		Environments:   []string{"staging", "production"},
	}
}

func pattern(statuses []any) map[string]any {
	return map[string]any{
		"source":      []any{"aws.cloudformation"},
		"detail-type": []any{"CloudFormation Stack Status Change"},
		"detail": map[string]any{
			"stack-id":       []any{map[string]any{"wildcard": "arn:*:cloudformation:*:*:stack/tenant-*"}},
			"status-details": map[string]any{"status": statuses},
		},
	}
}

// rule returns the properties of the rule whose logical id starts with prefix.
func rule(t *testing.T, stack awscdk.Stack, prefix string) map[string]any {
	t.Helper()
	for id, r := range cdktest.Resources(stack, "AWS::Events::Rule") {
		if strings.HasPrefix(id, prefix) {
			return r["Properties"].(map[string]any)
		}
	}
	t.Fatalf("no rule %s*", prefix)
	return nil
}

func TestLifecycleBus_isNamedAndEncryptedWithARotatingRetainedKey(t *testing.T) {
	stack, bus := newBus(t, fleetProps())
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::Events::EventBus"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::Events::EventBus"), map[string]any{
		"Name":             "fleet-tenant-lifecycle",
		"KmsKeyIdentifier": map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}},
	})
	tpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{
		"DeletionPolicy": "Retain",
		"Properties":     assertions.Match_ObjectLike(&map[string]any{"EnableKeyRotation": true}),
	})
	if got, want := bus.BusArn(), "arn:aws:events:eu-west-1:111111111111:event-bus/fleet-tenant-lifecycle"; got != want {
		t.Errorf("BusArn() = %q, want %q", got, want)
	}
	res := cdktest.JSON(stack)["Resources"].(map[string]any)
	for _, id := range []string{busID, keyID} {
		if _, ok := res[id]; !ok {
			t.Errorf("logical id %s is gone; the named bus and its key would be replaced", id)
		}
	}
}

// TestLifecycleBus_keyPolicyDeniesGrantsExceptForAwsResources: Control Tower CT.KMS.PR.3.
func TestLifecycleBus_keyPolicyDeniesGrantsExceptForAwsResources(t *testing.T) {
	stack, _ := newBus(t, fleetProps())
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
		"KeyPolicy": assertions.Match_ObjectLike(&map[string]any{
			"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Sid": "DenyGrantsExceptForAwsResources", "Effect": "Deny", "Action": "kms:CreateGrant",
				"Condition": map[string]any{"BoolIfExists": map[string]any{
					"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false",
				}},
			})}),
		}),
	})
}

// TestLifecycleBus_publisherLogsEveryExecutionEncryptedAndTraces: AwsSolutions-SF1/SF2,
// Control Tower CT.STEPFUNCTIONS.PR.1/2.
func TestLifecycleBus_publisherLogsEveryExecutionEncryptedAndTraces(t *testing.T) {
	stack, _ := newBus(t, fleetProps())
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::StepFunctions::StateMachine"), map[string]any{
		"LoggingConfiguration": map[string]any{
			"Level":                "ALL",
			"IncludeExecutionData": true,
			"Destinations": []any{map[string]any{"CloudWatchLogsLogGroup": map[string]any{
				"LogGroupArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^LifecyclePublisherLogs")), "Arn"}},
			}}},
		},
		"TracingConfiguration": map[string]any{"Enabled": true},
	})
	tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"LogGroupName":    "/aws/vendedlogs/states/fleet-tenant-lifecycle-publisher",
			"KmsKeyId":        map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}},
			"RetentionInDays": 731,
		},
	})
	// CloudWatch Logs may use the key.
	tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
		"KeyPolicy": assertions.Match_ObjectLike(&map[string]any{
			"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Effect": "Allow", "Principal": map[string]any{"Service": "logs.eu-west-1.amazonaws.com"},
			})}),
		}),
	})
}

func TestLifecycleBus_failureRulesMatchTenantStackFailuresOnBothBuses(t *testing.T) {
	stack, _ := newBus(t, fleetProps())
	local := rule(t, stack, "LifecycleLocalFailed")
	if _, onBus := local["EventBusName"]; onBus {
		t.Errorf("the local failure rule must be on the default bus, got EventBusName %v", local["EventBusName"])
	}
	if !reflect.DeepEqual(local["EventPattern"], pattern(failures)) {
		t.Errorf("local failure pattern = %v", local["EventPattern"])
	}
	forwarded := rule(t, stack, "LifecycleForwardedFailed")
	if !reflect.DeepEqual(forwarded["EventBusName"], map[string]any{"Ref": busID}) {
		t.Errorf("forwarded failure rule is on %v, want the lifecycle bus", forwarded["EventBusName"])
	}
	if !reflect.DeepEqual(forwarded["EventPattern"], pattern(failures)) {
		t.Errorf("forwarded failure pattern = %v", forwarded["EventPattern"])
	}
}

func TestLifecycleBus_successAndDeletionRulesMatchTheirStatuses(t *testing.T) {
	stack, _ := newBus(t, fleetProps())
	for name, statuses := range map[string][]any{
		"Created": {"CREATE_COMPLETE"}, "Updated": {"UPDATE_COMPLETE"}, "Deleted": {"DELETE_COMPLETE"},
	} {
		for _, where := range []string{"Local", "Forwarded"} {
			if got := rule(t, stack, "Lifecycle"+where+name)["EventPattern"]; !reflect.DeepEqual(got, pattern(statuses)) {
				t.Errorf("%s%s pattern = %v", where, name, got)
			}
		}
	}
	cdktest.Template(stack).ResourceCountIs(jsii.String("AWS::Events::Rule"), jsii.Number(8))
}

func TestLifecycleBus_rulesStartThePublisherWithTheirDetailType(t *testing.T) {
	stack, _ := newBus(t, fleetProps())
	want := map[string]string{
		"Failed":  "Tenant Onboarding Failed",
		"Created": "Tenant Onboarding Succeeded",
		"Updated": "Tenant Updated",
		"Deleted": "Tenant Offboarding Done",
	}
	for name, detailType := range want {
		for _, where := range []string{"Local", "Forwarded"} {
			targets := rule(t, stack, "Lifecycle"+where+name)["Targets"].([]any)
			if len(targets) != 1 {
				t.Fatalf("%s%s: %d targets, want 1", where, name, len(targets))
			}
			target := targets[0].(map[string]any)
			if !reflect.DeepEqual(target["Arn"], map[string]any{"Ref": publisherID}) {
				t.Errorf("%s%s targets %v, want the publisher state machine", where, name, target["Arn"])
			}
			tr := target["InputTransformer"].(map[string]any)
			if !strings.Contains(tr["InputTemplate"].(string), `"detailType":"`+detailType+`"`) {
				t.Errorf("%s%s input template %s does not set detailType %q", where, name, tr["InputTemplate"], detailType)
			}
			if tr["InputPathsMap"].(map[string]any)["detail"] != "$.detail" {
				t.Errorf("%s%s does not pass the stack status change on: %v", where, name, tr["InputPathsMap"])
			}
		}
	}
}

func TestLifecycleBus_publisherPutsFleetTenantEventsOnTheBusOnly(t *testing.T) {
	stack, _ := newBus(t, fleetProps())
	tpl := cdktest.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{
			"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Action": "events:PutEvents", "Effect": "Allow",
				"Resource": map[string]any{"Fn::GetAtt": []any{busID, "Arn"}},
			}}),
		}),
	})
	// Besides that statement, the role may only deliver its logs and traces.
	for id, pol := range cdktest.Resources(stack, "AWS::IAM::Policy") {
		if !strings.HasPrefix(id, "LifecyclePublisherRole") {
			continue
		}
		for _, st := range pol["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			actions, ok := st.(map[string]any)["Action"].([]any)
			if !ok {
				actions = []any{st.(map[string]any)["Action"]}
			}
			for _, a := range actions {
				if a := a.(string); a != "events:PutEvents" && !strings.HasPrefix(a, "logs:") && !strings.HasPrefix(a, "xray:") {
					t.Errorf("publisher role may %s", a)
				}
			}
		}
	}
	sm := cdktest.Resources(stack, "AWS::StepFunctions::StateMachine")[publisherID]
	def, _ := json.Marshal(sm["Properties"].(map[string]any)["DefinitionString"])
	for _, want := range []string{
		`\"Source\":\"fleet.tenant\"`,
		`\"DetailType\":\"{% $states.input.detailType %}\"`,
		`:states:::events:putEvents`,
		// tenant id and environment parsed with the known environments
		`/^tenant-(.+)-(staging|production)$/`,
	} {
		if !strings.Contains(string(def), want) {
			t.Errorf("publisher definition lacks %s:\n%s", want, def)
		}
	}
}

func TestLifecycleBus_policyLetsFleetAccountsForwardOnlyStackStatusChanges(t *testing.T) {
	stack, _ := newBus(t, fleetProps())
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::Events::EventBusPolicy"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::Events::EventBusPolicy"), map[string]any{
		"EventBusName": map[string]any{"Ref": busID},
		"Statement": map[string]any{
			"Sid":       assertions.Match_AnyValue(),
			"Effect":    "Allow",
			"Action":    "events:PutEvents",
			"Resource":  map[string]any{"Fn::GetAtt": []any{busID, "Arn"}},
			"Principal": map[string]any{"AWS": []any{"arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"}},
			"Condition": map[string]any{"StringEquals": map[string]any{
				"events:source":      []any{"aws.cloudformation"},
				"events:detail-type": []any{"CloudFormation Stack Status Change"},
			}},
		},
		"StatementId": assertions.Match_AnyValue(),
	})
}

func TestLifecycleBus_policyLetsTheOrganizationForward(t *testing.T) {
	stack, _ := newBus(t, &lifecycle.LifecycleBusProps{OrganizationID: "o-abcdef1234"})
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::Events::EventBusPolicy"), map[string]any{
		"Statement": assertions.Match_ObjectLike(&map[string]any{
			"Principal": map[string]any{"AWS": "*"},
			"Condition": map[string]any{"StringEquals": assertions.Match_ObjectLike(&map[string]any{"aws:PrincipalOrgID": "o-abcdef1234"})},
		}),
	})
}

func TestLifecycleBus_hasNoPolicyWithoutSources(t *testing.T) {
	stack, _ := newBus(t, nil)
	cdktest.Template(stack).ResourceCountIs(jsii.String("AWS::Events::EventBusPolicy"), jsii.Number(0))
}

func TestLifecycleBus_rejectsMalformedSourceAccount(t *testing.T) {
	cdktest.MustPanic(t, `"22" is not a 12-digit account id`, func() {
		newBus(t, &lifecycle.LifecycleBusProps{SourceAccounts: []string{"22"}})
	})
}

func TestFailureForwarder_sendsTenantStackStatusChangesToTheLifecycleBus(t *testing.T) {
	stack := cdktest.StackIn("222222222222", "eu-west-1")
	arn := lifecycle.BusArn(platform, "eu-west-1", lifecycle.DefaultBusName)
	lifecycle.NewFailureForwarder(stack, "Forwarder", &lifecycle.FailureForwarderProps{BusArn: arn})
	all := append(append([]any{}, failures...), "CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE")
	r := rule(t, stack, "Forwarder")
	if _, onBus := r["EventBusName"]; onBus {
		t.Errorf("forwarder must listen on the default bus, got %v", r["EventBusName"])
	}
	if !reflect.DeepEqual(r["EventPattern"], pattern(all)) {
		t.Errorf("pattern = %v", r["EventPattern"])
	}
	target := r["Targets"].([]any)[0].(map[string]any)
	if target["Arn"] != "arn:aws:events:eu-west-1:111111111111:event-bus/fleet-tenant-lifecycle" {
		t.Errorf("target = %v, want the platform lifecycle bus", target["Arn"])
	}
	if _, transformed := target["InputTransformer"]; transformed {
		t.Error("an event bus target forwards the event unchanged; no input transformer")
	}
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{
			"Statement": []any{map[string]any{"Action": "events:PutEvents", "Effect": "Allow", "Resource": arn}},
		}),
	})
}

func TestFailureForwarder_forwardsOnlyFailuresWhenAsked(t *testing.T) {
	stack := cdktest.StackIn("222222222222", "eu-west-1")
	lifecycle.NewFailureForwarder(stack, "Forwarder", &lifecycle.FailureForwarderProps{
		BusArn: lifecycle.BusArn(platform, "eu-west-1", lifecycle.DefaultBusName), FailuresOnly: true,
	})
	if got := rule(t, stack, "Forwarder")["EventPattern"]; !reflect.DeepEqual(got, pattern(failures)) {
		t.Errorf("pattern = %v", got)
	}
}

func TestFailureForwarder_rejectsMalformedBusArn(t *testing.T) {
	cdktest.MustPanic(t, "is not an event bus ARN", func() {
		lifecycle.NewFailureForwarder(cdktest.Stack(), "Forwarder", &lifecycle.FailureForwarderProps{BusArn: "fleet-tenant-lifecycle"})
	})
}

func TestFailureForwarder_rejectsMissingBusArn(t *testing.T) {
	cdktest.MustPanic(t, "props.BusArn is required", func() { lifecycle.NewFailureForwarder(cdktest.Stack(), "Forwarder", nil) })
}
