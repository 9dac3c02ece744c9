package vending_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/vending"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

const pipelineAccount = "111111111111"

func props() *vending.VendingProps {
	return &vending.VendingProps{
		Requests: []vending.AccountRequest{
			{TenantID: "orbit-care", Email: "aws+orbit-care@adhere.example.com", Tags: map[string]string{"Partner": "orbit-care"}},
			{TenantID: "globex", Email: "aws+globex@adhere.example.com", OrganizationalUnit: "ou-ab12-special01"},
		},
		TenantsOU:       "ou-ab12-tenants01",
		PipelineAccount: pipelineAccount,
		Regions:         []string{"eu-west-1", "eu-central-1", "eu-west-1"},
	}
}

func newVending(t *testing.T, p *vending.VendingProps) (awscdk.Stack, vending.Vending) {
	t.Helper()
	stack := cdktest.StackIn(pipelineAccount, "eu-west-1")
	return stack, vending.NewVending(stack, "Vending", p)
}

// bootstrapTemplate decodes the StackSet's TemplateBody.
func bootstrapTemplate(t *testing.T, stack awscdk.Stack) map[string]any {
	t.Helper()
	sets := cdktest.Resources(stack, "AWS::CloudFormation::StackSet")
	if len(sets) != 1 {
		t.Fatalf("want 1 StackSet, got %d", len(sets))
	}
	for _, s := range sets {
		var tpl map[string]any
		if err := json.Unmarshal([]byte(s["Properties"].(map[string]any)["TemplateBody"].(string)), &tpl); err != nil {
			t.Fatal(err)
		}
		return tpl
	}
	return nil
}

func TestVending_createsOneRetainedAccountPerRequest(t *testing.T) {
	stack, v := newVending(t, props())
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::Organizations::Account"), jsii.Number(2))
	tpl.HasResource(jsii.String("AWS::Organizations::Account"), map[string]any{
		"DeletionPolicy":      "Retain",
		"UpdateReplacePolicy": "Retain",
		"Properties": map[string]any{
			"AccountName": "fleet-orbit-care",
			"Email":       "aws+orbit-care@adhere.example.com",
			"ParentIds":   []any{"ou-ab12-tenants01"},
			"Tags": []any{
				map[string]any{"Key": "fleet:tenant", "Value": "orbit-care"},
				map[string]any{"Key": "Partner", "Value": "orbit-care"},
			},
		},
	})
	tpl.HasResource(jsii.String("AWS::Organizations::Account"), map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": assertions.Match_ObjectLike(&map[string]any{
			"AccountName": "fleet-globex",
			"ParentIds":   []any{"ou-ab12-special01"},
		}),
	})
	if v.AccountID("orbit-care") == nil || v.AccountID("nobody") != nil {
		t.Error("AccountID must answer for requested tenants only")
	}
	// The account's logical id is derived from the tenant id: pinned, since a new id would
	// ask Organizations for a second account.
	if _, ok := cdktest.Resources(stack, "AWS::Organizations::Account")["VendingAccountOrbitCareE94B1018"]; !ok {
		t.Errorf("logical ids changed: %v", keys(cdktest.Resources(stack, "AWS::Organizations::Account")))
	}
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestVending_stackSetAutoDeploysToTheTenantOUsInEveryRegion(t *testing.T) {
	stack, v := newVending(t, props())
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::CloudFormation::StackSet"), map[string]any{
		"StackSetName":     "fleet-tenant-bootstrap",
		"PermissionModel":  "SERVICE_MANAGED",
		"CallAs":           "SELF",
		"Capabilities":     []any{"CAPABILITY_NAMED_IAM"},
		"AutoDeployment":   map[string]any{"Enabled": true, "RetainStacksOnAccountRemoval": true},
		"ManagedExecution": map[string]any{"Active": true},
		"OperationPreferences": map[string]any{
			"RegionConcurrencyType": "PARALLEL", "MaxConcurrentPercentage": 25, "FailureTolerancePercentage": 10,
		},
		"StackInstancesGroup": []any{map[string]any{
			"DeploymentTargets": map[string]any{"OrganizationalUnitIds": []any{"ou-ab12-special01", "ou-ab12-tenants01"}},
			"Regions":           []any{"eu-central-1", "eu-west-1", "us-east-1"},
		}},
	})
	if got := v.Regions(); !reflect.DeepEqual(got, []string{"eu-central-1", "eu-west-1", "us-east-1"}) {
		t.Errorf("Regions() = %v", got)
	}
}

func TestVending_bootstrapsWithoutRequests(t *testing.T) {
	stack, _ := newVending(t, &vending.VendingProps{TenantsOU: "ou-ab12-tenants01", PipelineAccount: pipelineAccount, Regions: []string{"eu-west-1"}})
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::Organizations::Account"), jsii.Number(0))
	tpl.ResourceCountIs(jsii.String("AWS::CloudFormation::StackSet"), jsii.Number(1))
}

func TestVending_bootstrapRolesHaveCdkNamesAndTrustThePipelineAccount(t *testing.T) {
	stack, _ := newVending(t, props())
	res := bootstrapTemplate(t, stack)["Resources"].(map[string]any)
	want := map[string]string{
		"DeploymentActionRole": "deploy", "FilePublishingRole": "file-publishing",
		"ImagePublishingRole": "image-publishing", "LookupRole": "lookup",
	}
	principals := []any{
		map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"},
		map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::111111111111:root"},
	}
	for id, kind := range want {
		r, ok := res[id].(map[string]any)
		if !ok {
			t.Fatalf("bootstrap template has no %s", id)
		}
		p := r["Properties"].(map[string]any)
		if got, want := p["RoleName"], map[string]any{"Fn::Sub": "cdk-hnb659fds-" + kind + "-role-${AWS::AccountId}-${AWS::Region}"}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s RoleName = %v, want %v", id, got, want)
		}
		st := p["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
		assume := st[0].(map[string]any)
		if assume["Action"] != "sts:AssumeRole" || !reflect.DeepEqual(assume["Principal"], map[string]any{"AWS": principals}) {
			t.Errorf("%s trust = %v, want sts:AssumeRole by the account and the pipeline account", id, assume)
		}
	}
}

func TestVending_cfnExecRoleIsAssumableByCloudFormationOnly(t *testing.T) {
	stack, _ := newVending(t, props())
	p := bootstrapTemplate(t, stack)["Resources"].(map[string]any)["CloudFormationExecutionRole"].(map[string]any)["Properties"].(map[string]any)
	if got := p["RoleName"]; !reflect.DeepEqual(got, map[string]any{"Fn::Sub": "cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}"}) {
		t.Errorf("RoleName = %v", got)
	}
	want := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"Service": "cloudformation.amazonaws.com"},
	}}}
	if got := p["AssumeRolePolicyDocument"]; !reflect.DeepEqual(got, want) {
		t.Errorf("trust = %v, want cloudformation.amazonaws.com only", got)
	}
}

func TestVending_stagingBucketIsEncryptedPrivateTLSOnlyAndRetained(t *testing.T) {
	stack, _ := newVending(t, props())
	res := bootstrapTemplate(t, stack)["Resources"].(map[string]any)
	b := res["StagingBucket"].(map[string]any)
	if b["DeletionPolicy"] != "Retain" {
		t.Errorf("staging bucket DeletionPolicy = %v", b["DeletionPolicy"])
	}
	p := b["Properties"].(map[string]any)
	if !reflect.DeepEqual(p["BucketName"], map[string]any{"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}) {
		t.Errorf("BucketName = %v", p["BucketName"])
	}
	enc, _ := json.Marshal(p["BucketEncryption"])
	if !strings.Contains(string(enc), `"SSEAlgorithm":"aws:kms"`) {
		t.Errorf("bucket is not KMS-encrypted: %s", enc)
	}
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if p["PublicAccessBlockConfiguration"].(map[string]any)[k] != true {
			t.Errorf("public access block %s is not set", k)
		}
	}
	pol, _ := json.Marshal(res["StagingBucketPolicy"])
	if !strings.Contains(string(pol), `"Effect":"Deny"`) || !strings.Contains(string(pol), `"aws:SecureTransport":"false"`) {
		t.Errorf("bucket policy does not deny plain HTTP: %s", pol)
	}
	if _, ok := res["ContainerAssetsRepository"]; !ok {
		t.Error("no container asset repository")
	}
}

func TestVending_bootstrapPublishesTheVersionParameter(t *testing.T) {
	stack, _ := newVending(t, props())
	tpl := bootstrapTemplate(t, stack)
	p := tpl["Resources"].(map[string]any)["CdkBootstrapVersion"].(map[string]any)["Properties"].(map[string]any)
	if p["Name"] != "/cdk-bootstrap/hnb659fds/version" || p["Value"] != vending.BootstrapVersion || p["Type"] != "String" {
		t.Errorf("version parameter = %v", p)
	}
	if got := tpl["Outputs"].(map[string]any)["BootstrapVersion"].(map[string]any)["Value"]; got != vending.BootstrapVersion {
		t.Errorf("BootstrapVersion output = %v", got)
	}
}

func TestVending_bootstrapTemplateIsDeterministic(t *testing.T) {
	a := vending.BootstrapTemplate(vending.BootstrapTemplateProps{TrustedAccount: pipelineAccount})
	b := vending.BootstrapTemplate(vending.BootstrapTemplateProps{TrustedAccount: pipelineAccount})
	if a != b {
		t.Error("two renderings of the bootstrap template differ")
	}
	if len(a) > 51200 {
		t.Errorf("TemplateBody is %d bytes, over CloudFormation's 51,200", len(a))
	}
}

func TestVending_bootstrapForwardsTenantStackFailuresWithLifecycleBus(t *testing.T) {
	p := props()
	p.LifecycleBusArn = "arn:aws:events:eu-west-1:111111111111:event-bus/fleet-tenant-lifecycle"
	stack, _ := newVending(t, p)
	rule := bootstrapTemplate(t, stack)["Resources"].(map[string]any)["LifecycleForwarder"].(map[string]any)["Properties"].(map[string]any)
	target := rule["Targets"].([]any)[0].(map[string]any)
	if target["Arn"] != p.LifecycleBusArn {
		t.Errorf("forwarder target = %v", target["Arn"])
	}
	status := rule["EventPattern"].(map[string]any)["detail"].(map[string]any)["status-details"].(map[string]any)["status"]
	if !reflect.DeepEqual(status, []any{"ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"}) {
		t.Errorf("forwarded statuses = %v", status)
	}
}

func TestVending_rejectsDuplicateEmail(t *testing.T) {
	p := props()
	p.Requests[1].Email = strings.ToUpper(p.Requests[0].Email)
	cdktest.MustPanic(t, "is used twice", func() { newVending(t, p) })
}

func TestVending_rejectsRequestWithoutOU(t *testing.T) {
	p := props()
	p.TenantsOU = ""
	p.Requests = p.Requests[:1]
	cdktest.MustPanic(t, "has no OrganizationalUnit", func() { newVending(t, p) })
}

func TestVending_rejectsMissingPipelineAccount(t *testing.T) {
	p := props()
	p.PipelineAccount = ""
	cdktest.MustPanic(t, "props.PipelineAccount", func() { newVending(t, p) })
}

func TestVending_rejectsMalformedEmail(t *testing.T) {
	p := props()
	p.Requests[0].Email = "orbit-care"
	cdktest.MustPanic(t, "is not an e-mail address", func() { newVending(t, p) })
}
