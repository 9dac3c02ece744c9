package pipeline_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/pipeline"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

const connection = "arn:aws:codeconnections:eu-west-1:111111111111:connection/0a1b2c3d-0000-1111-2222-333344445555"

func newPipeline(t *testing.T, mutate func(*pipeline.PipelineProps)) awscdk.Stack {
	t.Helper()
	stack := cdktest.StackIn("111111111111", "eu-west-1")
	p := &pipeline.PipelineProps{Repository: "example-org/fleet", ConnectionArn: connection, Waves: pipeline.Waves(exampleModel(t))}
	if mutate != nil {
		mutate(p)
	}
	pipeline.NewPipeline(stack, "Pipeline", p)
	return stack
}

type action struct {
	Name, Category string
	RunOrder       float64
}

// stages returns the CodePipeline's stages and their actions.
func stages(t *testing.T, stack awscdk.Stack) ([]string, map[string][]action) {
	t.Helper()
	pls := cdktest.Resources(stack, "AWS::CodePipeline::Pipeline")
	if len(pls) != 1 {
		t.Fatalf("want 1 pipeline, got %d", len(pls))
	}
	var order []string
	actions := map[string][]action{}
	for _, pl := range pls {
		for _, s := range pl["Properties"].(map[string]any)["Stages"].([]any) {
			st := s.(map[string]any)
			name := st["Name"].(string)
			order = append(order, name)
			for _, a := range st["Actions"].([]any) {
				am := a.(map[string]any)
				actions[name] = append(actions[name], action{am["Name"].(string), am["ActionTypeId"].(map[string]any)["Category"].(string), am["RunOrder"].(float64)})
			}
		}
	}
	return order, actions
}

// buildSpecOf returns the buildspec of the CodeBuild project whose buildspec mentions needle.
func buildSpecOf(t *testing.T, stack awscdk.Stack, needle string) (string, string) {
	t.Helper()
	for id, p := range cdktest.Resources(stack, "AWS::CodeBuild::Project") {
		spec, _ := p["Properties"].(map[string]any)["Source"].(map[string]any)["BuildSpec"].(string)
		if strings.Contains(spec, needle) {
			return id, spec
		}
	}
	t.Fatalf("no CodeBuild project mentions %q", needle)
	return "", ""
}

func TestPipeline_stagesFollowTheWavesAfterSourceSynthAndSelfMutation(t *testing.T) {
	stack := newPipeline(t, nil)
	got, _ := stages(t, stack)
	want := []string{
		"Source", "Build", "UpdatePipeline",
		"control-plane",
		"staging-cells", "staging-canary", "staging-early", "staging-main",
		"production-cells", "production-canary", "production-early", "production-main",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stages = %v\nwant     %v", got, want)
	}
}

func TestPipeline_productionWavesDeployOnlyAfterAManualApproval(t *testing.T) {
	stack := newPipeline(t, nil)
	order, actions := stages(t, stack)
	for _, name := range order {
		acts := actions[name]
		var approval, deploy *action
		for i := range acts {
			switch {
			case acts[i].Category == "Approval":
				approval = &acts[i]
			case strings.HasPrefix(acts[i].Name, "Deploy-"):
				deploy = &acts[i]
			}
		}
		isProduction := strings.HasPrefix(name, "production-")
		if isProduction && (approval == nil || deploy == nil || approval.RunOrder >= deploy.RunOrder) {
			t.Errorf("stage %s: actions %v; want a ManualApproval that runs before the deploy", name, acts)
		}
		if !isProduction && approval != nil {
			t.Errorf("stage %s has an approval, but its environment does not require one", name)
		}
	}
}

func TestPipeline_smokeTestsRunAfterTheDeploy(t *testing.T) {
	stack := newPipeline(t, nil)
	_, actions := stages(t, stack)
	acts := actions["staging-early"]
	if len(acts) != 2 || acts[0].Name != "Deploy-staging-early" || acts[1].Name != "SmokeTest-staging-early" || acts[1].RunOrder <= acts[0].RunOrder {
		t.Errorf("staging-early actions = %v, want deploy then smoke test", acts)
	}
	_, spec := buildSpecOf(t, stack, `\"staging-early\" '.waves[$w].smokeTests[]`)
	if !strings.Contains(spec, `jq -er --arg w \"staging-early\" '.waves[$w].smokeTests[]`) || !strings.Contains(spec, `curl -fsS --max-time 10 -o /dev/null \"$url\"`) {
		t.Errorf("smoke test buildspec lacks the curl:\n%s", spec)
	}
}

func TestPipeline_synthRunsMakeAndOutputsCdkOut(t *testing.T) {
	stack := newPipeline(t, nil)
	_, spec := buildSpecOf(t, stack, "make synth")
	var bs map[string]any
	if err := json.Unmarshal([]byte(spec), &bs); err != nil {
		t.Fatal(err)
	}
	cmds := bs["phases"].(map[string]any)["build"].(map[string]any)["commands"]
	if !reflect.DeepEqual(cmds, []any{"make setup", "make synth"}) {
		t.Errorf("synth commands = %v", cmds)
	}
	if dir := bs["artifacts"].(map[string]any)["base-directory"]; dir != "cdk.out" {
		t.Errorf("synth output = %v, want cdk.out", dir)
	}
}

func TestPipeline_deployStepDeploysItsWaveExclusivelyWithTheCli(t *testing.T) {
	stack := newPipeline(t, nil)
	_, spec := buildSpecOf(t, stack, `\"production-main\" '.waves[$w].stacks`)
	want := "npx --yes aws-cdk@" + pipeline.DefaultCliVersion + " deploy --app . --require-approval never --concurrency 4 --exclusively"
	if !strings.Contains(spec, want) {
		t.Errorf("deploy buildspec lacks %q:\n%s", want, spec)
	}
}

// TestPipeline_templateDoesNotGrowWithTheFleet: stack names and URLs live in the waves file,
// not in the buildspecs, so a wave with 60 more tenants leaves the template's size alone.
func TestPipeline_templateDoesNotGrowWithTheFleet(t *testing.T) {
	small := newPipeline(t, nil)
	big := newPipeline(t, func(p *pipeline.PipelineProps) {
		for i := range p.Waves {
			for j := 0; j < 60; j++ {
				p.Waves[i].Stacks = append(p.Waves[i].Stacks, fmt.Sprintf("tenant-extra-%02d-%s", j, p.Waves[i].Environment))
				if len(p.Waves[i].SmokeTests) > 0 { // a tenant wave
					p.Waves[i].SmokeTests = append(p.Waves[i].SmokeTests, pipeline.SmokeTest{Tenant: fmt.Sprintf("extra-%02d", j), URL: fmt.Sprintf("https://extra-%02d.example.com/health", j)})
				}
			}
		}
	})
	a, _ := json.Marshal(cdktest.JSON(small))
	b, _ := json.Marshal(cdktest.JSON(big))
	if len(b) != len(a) {
		t.Errorf("pipeline template grew from %d to %d bytes with 60 more tenants per wave", len(a), len(b))
	}
}

func TestPipeline_deployRoleMayAssumeOnlyTheBootstrapRolesOfItsWaveAccounts(t *testing.T) {
	stack := newPipeline(t, nil)
	var found bool
	for _, p := range cdktest.Resources(stack, "AWS::IAM::Policy") {
		for _, s := range p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			if !reflect.DeepEqual(st["Action"], []any{"sts:AssumeRole", "sts:TagSession"}) {
				continue
			}
			res, ok := st["Resource"].([]any)
			if !ok {
				res = []any{st["Resource"]}
			}
			if reflect.DeepEqual(res, []any{"arn:aws:iam::333333333333:role/cdk-hnb659fds-*", "arn:aws:iam::444444444444:role/cdk-hnb659fds-*"}) {
				found = true
			}
			for _, r := range res {
				if s, _ := r.(string); !strings.Contains(s, ":role/cdk-hnb659fds-") {
					t.Errorf("a deploy role may assume %v, beyond the CDK bootstrap roles", r)
				}
			}
		}
	}
	if !found {
		t.Error("no deploy role may assume the bootstrap roles of production-main's accounts 333333333333 and 444444444444")
	}
}

// TestPipeline_everyCodeBuildProjectLogsToTheEncryptedLogGroupAndUsesTheKey: Control Tower
// CT.CODEBUILD.PR.3 (logging) and AwsSolutions-CB4 (encryption key), for the projects CDK
// Pipelines creates (synth, self-mutation) as well as the waves' steps.
func TestPipeline_everyCodeBuildProjectLogsToTheEncryptedLogGroupAndUsesTheKey(t *testing.T) {
	stack := newPipeline(t, nil)
	tpl := cdktest.Template(stack)
	logs := cdktest.Resources(stack, "AWS::Logs::LogGroup")
	keys := cdktest.Resources(stack, "AWS::KMS::Key")
	if len(logs) != 1 || len(keys) != 1 {
		t.Fatalf("want one log group and one key, got %d and %d", len(logs), len(keys))
	}
	var logID, keyID string
	for id := range logs {
		logID = id
	}
	for id := range keys {
		keyID = id
	}
	tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"KmsKeyId":        map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}},
			"RetentionInDays": 731,
		},
	})
	projects := cdktest.Resources(stack, "AWS::CodeBuild::Project")
	if len(projects) < 3 {
		t.Fatalf("want the synth, self-mutation and wave projects, got %d", len(projects))
	}
	for id, p := range projects {
		props := p["Properties"].(map[string]any)
		want := map[string]any{"CloudWatchLogs": map[string]any{"GroupName": map[string]any{"Ref": logID}, "Status": "ENABLED"}}
		if got := props["LogsConfig"]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: LogsConfig = %v, want %v", id, got, want)
		}
		if got, want := props["EncryptionKey"], map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: EncryptionKey = %v, want the pipeline key", id, got)
		}
	}
}

// TestPipeline_keyDeniesGrantsExceptForAwsResourcesAndRotates: Control Tower CT.KMS.PR.3.
func TestPipeline_keyDeniesGrantsExceptForAwsResourcesAndRotates(t *testing.T) {
	stack := newPipeline(t, nil)
	cdktest.Template(stack).HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
		"EnableKeyRotation": true,
		"KeyPolicy": assertions.Match_ObjectLike(&map[string]any{
			"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Sid": "DenyGrantsExceptForAwsResources", "Effect": "Deny", "Action": "kms:CreateGrant",
			})}),
		}),
	})
}

func TestPipeline_artifactsBucketIsEncryptedVersionedLoggedAndExpires(t *testing.T) {
	stack := newPipeline(t, nil)
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(2))
	var artifacts, accessLogs string
	for id := range cdktest.Resources(stack, "AWS::S3::Bucket") {
		switch {
		case strings.HasPrefix(id, "PipelineArtifactsBucket"):
			artifacts = id
		case strings.HasPrefix(id, "PipelineAccessLogs"):
			accessLogs = id
		}
	}
	if artifacts == "" || accessLogs == "" {
		t.Fatalf("want the artifacts and access log buckets, got %v", cdktest.Resources(stack, "AWS::S3::Bucket"))
	}
	tpl.HasResourceProperties(jsii.String("AWS::CodePipeline::Pipeline"), map[string]any{
		"ArtifactStore": map[string]any{"Type": "S3", "Location": map[string]any{"Ref": artifacts}},
	})
	tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{assertions.Match_ObjectLike(&map[string]any{
			"ServerSideEncryptionByDefault": assertions.Match_ObjectLike(&map[string]any{"SSEAlgorithm": "aws:kms"}),
		})}},
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"LoggingConfiguration":    map[string]any{"DestinationBucketName": map[string]any{"Ref": accessLogs}, "LogFilePrefix": "artifacts/"},
		"LifecycleConfiguration":  assertions.Match_AnyValue(),
		"PublicAccessBlockConfiguration": map[string]any{
			"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
		},
	})
	tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"LifecycleConfiguration":  assertions.Match_AnyValue(),
		"LoggingConfiguration":    assertions.Match_Absent(),
	})
}

func TestPipeline_sourceIsTheCodeConnectionsRepositoryBranch(t *testing.T) {
	stack := newPipeline(t, nil)
	for _, pl := range cdktest.Resources(stack, "AWS::CodePipeline::Pipeline") {
		src := pl["Properties"].(map[string]any)["Stages"].([]any)[0].(map[string]any)["Actions"].([]any)[0].(map[string]any)
		cfg := src["Configuration"].(map[string]any)
		if cfg["ConnectionArn"] != connection || cfg["FullRepositoryId"] != "example-org/fleet" || cfg["BranchName"] != "main" {
			t.Errorf("source configuration = %v", cfg)
		}
	}
}

func TestPipeline_rejectsMissingConnection(t *testing.T) {
	defer func() {
		if r, _ := recover().(string); !strings.Contains(r, "props.ConnectionArn") {
			t.Fatalf("panic = %q, want one about props.ConnectionArn", r)
		}
	}()
	newPipeline(t, func(p *pipeline.PipelineProps) { p.ConnectionArn = "" })
}

func TestPipeline_rejectsUnsafeSmokeTestURL(t *testing.T) {
	defer func() {
		if r, _ := recover().(string); !strings.Contains(r, "must be https://<host><path>") {
			t.Fatalf("panic = %q, want one about the smoke test URL", r)
		}
	}()
	newPipeline(t, func(p *pipeline.PipelineProps) {
		p.Waves[2].SmokeTests = []pipeline.SmokeTest{{Tenant: "x", URL: "https://x.example.com/; rm -rf /"}}
	})
}
