package stacks_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/internal/cdktest"
	"github.com/fleetcdk/fleet/stacks"
)

var update = flag.Bool("update", false, "rewrite the snapshots in testdata/snapshots")

// synthesized is the example fleet, synthesized once for every test in this package: a CDK app
// is expensive to build, and the jsii runtime is not safe for concurrent use.
var (
	once     sync.Once
	assembly cxapi.CloudAssembly
	fleet    *stacks.Fleet
	model    *config.Model
)

func example(t *testing.T) (cxapi.CloudAssembly, *stacks.Fleet, *config.Model) {
	t.Helper()
	once.Do(func() {
		m, err := config.Load(cdktest.Root())
		if err != nil {
			t.Fatalf("example fleet: %v", err)
		}
		app := cdktest.App()
		f, err := stacks.Build(app, m, stacks.Selection{})
		if err != nil {
			t.Fatal(err)
		}
		model, fleet, assembly = m, f, app.Synth(nil)
	})
	if assembly == nil {
		t.Fatal("the example fleet did not synthesize")
	}
	return assembly, fleet, model
}

func template(t *testing.T, asm cxapi.CloudAssembly, stack string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(*asm.Directory(), stack+".template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExample_stacksAndEnvironments pins every stack of the example fleet and its account and
// region: one control plane, two stacks per cell, one stack per tenant and environment, and
// none for the tenant whose account is still being vended.
func TestExample_stacksAndEnvironments(t *testing.T) {
	asm, f, _ := example(t)
	want := map[string]string{
		"control-plane":                           "111111111111/eu-west-1",
		"pipeline":                                "111111111111/eu-west-1",
		"cell-stg-euw1-a":                         "222222222222/eu-west-1",
		"cell-stg-euw1-a-edge":                    "222222222222/us-east-1",
		"cell-prd-euw1-a":                         "333333333333/eu-west-1",
		"cell-prd-euw1-a-edge":                    "333333333333/us-east-1",
		"cell-prd-euc1-a":                         "333333333333/eu-central-1",
		"cell-prd-euc1-a-edge":                    "333333333333/us-east-1",
		"tenant-acme-health-staging":              "222222222222/eu-west-1",
		"tenant-acme-health-production-edge":      "333333333333/us-east-1",
		"tenant-acme-health-production":           "333333333333/eu-west-1",
		"tenant-bright-clinic-staging":            "222222222222/eu-west-1",
		"tenant-bright-clinic-production":         "333333333333/eu-west-1",
		"tenant-carecircle-production":            "333333333333/eu-central-1",
		"tenant-northwind-pharma-staging":         "444444444444/eu-central-1",
		"tenant-northwind-pharma-staging-edge":    "444444444444/us-east-1",
		"tenant-northwind-pharma-production":      "444444444444/eu-central-1",
		"tenant-northwind-pharma-production-edge": "444444444444/us-east-1",
		"dns-staging":                             "222222222222/eu-west-1",
		"dns-production":                          "333333333333/eu-west-1",
	}
	got := map[string]string{}
	for _, s := range *asm.Stacks() {
		got[*s.StackName()] = *s.Environment().Account + "/" + *s.Environment().Region
	}
	for name, env := range want {
		if got[name] != env {
			t.Errorf("stack %s: env %q, want %q", name, got[name], env)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected stack %s", name)
		}
	}
	if len(f.Skipped) != 1 || !strings.Contains(f.Skipped[0], "orbit-care") {
		t.Errorf("want orbit-care (requested account) skipped with a notice, got %v", f.Skipped)
	}
}

func TestExample_tenantStacksAreTagged(t *testing.T) {
	asm, f, _ := example(t)
	for _, tn := range f.Tenants {
		tags := map[string]string{}
		for k, v := range *asm.GetStackByName(tn.Stack.StackName()).Tags() {
			tags[k] = *v
		}
		d := tn.Deployment
		for k, v := range map[string]string{"fleet:tenant": d.Tenant.ID, "fleet:tier": string(d.Tenant.Tier), "fleet:environment": d.Env.Name} {
			if tags[k] != v {
				t.Errorf("%s: tag %s = %q, want %q", *tn.Stack.StackName(), k, tags[k], v)
			}
		}
	}
}

var (
	hashRE    = regexp.MustCompile(`[a-f0-9]{64}`)
	versionRE = regexp.MustCompile(`"Analytics": "[^"]*"`)
)

// TestSnapshots compares one stack per kind and tier with its reviewed snapshot in
// testdata/snapshots (go test ./stacks -update rewrites them; review the diff like code).
func TestSnapshots(t *testing.T) {
	asm, _, _ := example(t)
	for _, name := range []string{
		"control-plane",
		"pipeline",
		"cell-stg-euw1-a",
		"cell-stg-euw1-a-edge",
		"tenant-bright-clinic-staging",            // pool
		"tenant-acme-health-staging",              // silo
		"tenant-northwind-pharma-production",      // dedicated
		"tenant-northwind-pharma-production-edge", // dedicated, us-east-1
		"dns-production",
	} {
		t.Run(name, func(t *testing.T) {
			tpl := template(t, asm, name)
			delete(tpl, "Rules") // bootstrap version check, not ours
			if p, ok := tpl["Parameters"].(map[string]any); ok {
				delete(p, "BootstrapVersion")
				if len(p) == 0 {
					delete(tpl, "Parameters")
				}
			}
			if r, ok := tpl["Resources"].(map[string]any); ok {
				delete(r, "CDKMetadata")
			}
			out, _ := json.MarshalIndent(tpl, "", " ")
			got := hashRE.ReplaceAllString(string(out), "<hash>") + "\n"
			path := filepath.Join("testdata", "snapshots", name+".json")
			if *update {
				os.WriteFile(path, []byte(got), 0o644)
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./stacks -update creates it)", err)
			}
			if string(want) != got {
				t.Errorf("%s differs from its snapshot; review with `go test ./stacks -update && git diff %s`", name, path)
			}
		})
	}
}

// TestSynth_isDeterministic synthesizes the example fleet a second time in the same process and
// compares every template byte for byte.
func TestSynth_isDeterministic(t *testing.T) {
	asm, _, m := example(t)
	app := cdktest.App()
	if _, err := stacks.Build(app, m, stacks.Selection{}); err != nil {
		t.Fatal(err)
	}
	again := app.Synth(nil)
	var names []string
	for _, s := range *asm.Stacks() {
		names = append(names, *s.StackName())
	}
	sort.Strings(names)
	for _, n := range names {
		a, _ := os.ReadFile(filepath.Join(*asm.Directory(), n+".template.json"))
		b, _ := os.ReadFile(filepath.Join(*again.Directory(), n+".template.json"))
		if string(a) != string(b) {
			t.Errorf("%s differs between two synths", n)
		}
	}
}

// TestExample_noDuplicateSecurityGroupRules: CloudFormation fails a deploy that creates the same
// rule twice, and the CDK adds some rules on its own (load balancer to target); every rule of
// the fleet must be declared once.
func TestExample_noDuplicateSecurityGroupRules(t *testing.T) {
	asm, _, _ := example(t)
	for _, s := range *asm.Stacks() {
		name := *s.StackName()
		tpl := template(t, asm, name)
		seen := map[string]string{}
		for id, r := range tpl["Resources"].(map[string]any) {
			res := r.(map[string]any)
			typ, _ := res["Type"].(string)
			if typ != "AWS::EC2::SecurityGroupIngress" && typ != "AWS::EC2::SecurityGroupEgress" {
				continue
			}
			p := res["Properties"].(map[string]any)
			key, _ := json.Marshal([]any{typ, p["GroupId"], p["SourceSecurityGroupId"], p["DestinationSecurityGroupId"], p["SourcePrefixListId"], p["CidrIp"], p["IpProtocol"], p["FromPort"], p["ToPort"]})
			if first, dup := seen[string(key)]; dup {
				t.Errorf("%s: %s duplicates %s", name, id, first)
			}
			seen[string(key)] = id
		}
	}
}

// TestExample_cellDoesNotDependOnItsTenants: a cell stack must never reference a tenant stack
// (cycles, and a cell that cannot deploy before its tenants).
func TestExample_cellDoesNotDependOnItsTenants(t *testing.T) {
	asm, _, _ := example(t)
	for _, s := range *asm.Stacks() {
		if !strings.HasPrefix(*s.StackName(), "cell-") {
			continue
		}
		for _, d := range *s.Dependencies() {
			if strings.HasPrefix(*d.Id(), "tenant-") {
				t.Errorf("%s depends on %s", *s.StackName(), *d.Id())
			}
		}
	}
}

// TestCell_templateIndependentOfTenants synthesizes one tenant (and the cells it uses) on its
// own and compares those cells' templates with the full fleet's, byte for byte: a cell must
// not change with the tenants synthesized next to it (single-tenant synth, sharded synth).
func TestCell_templateIndependentOfTenants(t *testing.T) {
	asm, _, m := example(t)
	for _, tenant := range []string{"acme-health", "bright-clinic"} {
		app := cdktest.App()
		f, err := stacks.Build(app, m, stacks.Selection{Tenant: tenant})
		if err != nil {
			t.Fatal(err)
		}
		one := app.Synth(nil)
		if len(f.Cells) == 0 {
			t.Fatalf("%s: no cells built", tenant)
		}
		for id := range f.Cells {
			for _, name := range []string{"cell-" + id, "cell-" + id + "-edge"} {
				a, _ := os.ReadFile(filepath.Join(*asm.Directory(), name+".template.json"))
				b, err := os.ReadFile(filepath.Join(*one.Directory(), name+".template.json"))
				if err != nil {
					t.Fatal(err)
				}
				if string(a) != string(b) {
					t.Errorf("%s differs between the full synth and a synth of %s alone", name, tenant)
				}
			}
		}
	}
}

func TestExample_templatesWithinCloudFormationQuotas(t *testing.T) {
	asm, _, _ := example(t)
	problems, err := stacks.CheckTemplates(*asm.Directory())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestCheckTemplates_reportsAStackOverQuota(t *testing.T) {
	dir := t.TempDir()
	res := map[string]any{}
	for i := 0; i < 501; i++ {
		res[fmt.Sprintf("Topic%d", i)] = map[string]any{"Type": "AWS::SNS::Topic"}
	}
	tpl, _ := json.Marshal(map[string]any{"Resources": res})
	os.WriteFile(filepath.Join(dir, "cell-x.template.json"), tpl, 0o644)
	manifest, _ := json.Marshal(map[string]any{"artifacts": map[string]any{"cell-x": map[string]any{"type": "aws:cloudformation:stack", "properties": map[string]any{"templateFile": "cell-x.template.json"}}}})
	os.WriteFile(filepath.Join(dir, "manifest.json"), manifest, 0o644)
	problems, err := stacks.CheckTemplates(dir)
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0], "cell-x: 501 resources, over the 500 resources per CloudFormation stack") {
		t.Fatalf("got %v %v", problems, err)
	}
}

// TestExample_statefulLogicalIDsArePinned: a changed logical id replaces the resource, which for
// these means data loss or downtime. Change this list only with a migration plan.
func TestExample_statefulLogicalIDsArePinned(t *testing.T) {
	asm, _, _ := example(t)
	pinned := map[string]map[string]string{
		"control-plane": {"RegistryTable0B9B3B52": "AWS::DynamoDB::GlobalTable", "LifecycleF93AE699": "AWS::Events::EventBus"},
		"cell-stg-euw1-a": {
			"PooledData962FDF25": "AWS::DynamoDB::GlobalTable", "Cache18F6EE16": "AWS::ElastiCache::ReplicationGroup",
			"Network6E62CE96": "AWS::EC2::VPC", "IngressAccessLogs80F9B44E": "AWS::S3::Bucket",
			"OriginRecordA6067522F": "AWS::Route53::RecordSet", "OriginRecordAAAA20324C73": "AWS::Route53::RecordSet",
		},
		"cell-stg-euw1-a-edge": {
			"CdnPortalBucketAB1266BA": "AWS::S3::Bucket", "CdnLogBucket75337C09": "AWS::S3::Bucket",
			"EdgeRecordAF2F715EF": "AWS::Route53::RecordSet", "EdgeRecordAAAA7EB576FB": "AWS::Route53::RecordSet",
		},
		"tenant-bright-clinic-staging": {
			"RecordsAbrightstagingadhereexamplecom27CB1D21":    "AWS::Route53::RecordSet",
			"RecordsAAAAbrightstagingadhereexamplecom87BE4A41": "AWS::Route53::RecordSet",
		},
		"tenant-acme-health-staging": {"Data2D4B752F": "AWS::DynamoDB::GlobalTable"},
		"tenant-northwind-pharma-production": {
			"Data2D4B752F": "AWS::DynamoDB::GlobalTable", "Cache18F6EE16": "AWS::ElastiCache::ReplicationGroup",
			"ZoneA5DE4B68": "AWS::Route53::HostedZone", "Network6E62CE96": "AWS::EC2::VPC",
		},
	}
	for stack, ids := range pinned {
		res := template(t, asm, stack)["Resources"].(map[string]any)
		for id, typ := range ids {
			r, ok := res[id].(map[string]any)
			if !ok || r["Type"] != typ {
				t.Errorf("%s: %s (%s) is gone or renamed: that replaces it on deploy", stack, id, typ)
				continue
			}
			dataStore := typ == "AWS::DynamoDB::GlobalTable" || typ == "AWS::ElastiCache::ReplicationGroup" || typ == "AWS::S3::Bucket" || typ == "AWS::Route53::HostedZone"
			if dataStore && r["DeletionPolicy"] != "Retain" && r["DeletionPolicy"] != "Snapshot" {
				t.Errorf("%s: %s is not retained on stack deletion (DeletionPolicy %v)", stack, id, r["DeletionPolicy"])
			}
		}
	}
}

// TestDedicated_zoneDelegatedAcrossAccounts: the dedicated tenant's zone lives in its account,
// and its NS record is written in the environment zone through the dns-<env> role, which
// trusts exactly the dedicated accounts and may only upsert NS records under the zone.
func TestDedicated_zoneDelegatedAcrossAccounts(t *testing.T) {
	asm, _, _ := example(t)
	tenant := template(t, asm, "tenant-northwind-pharma-production")
	var zone, delegation map[string]any
	for _, r := range tenant["Resources"].(map[string]any) {
		m := r.(map[string]any)
		switch m["Type"] {
		case "AWS::Route53::HostedZone":
			zone = m["Properties"].(map[string]any)
		case "Custom::CrossAccountZoneDelegation":
			delegation = m["Properties"].(map[string]any)
		}
	}
	if zone == nil || zone["Name"] != "northwind.adhere.example.com." {
		t.Fatalf("tenant zone: %v", zone)
	}
	if delegation == nil || delegation["ParentZoneId"] != "Z0PRODUCTION00000001" ||
		delegation["AssumeRoleArn"] != "arn:aws:iam::333333333333:role/fleet-dns-delegation-production" {
		t.Fatalf("delegation record: %v", delegation)
	}
	dns := template(t, asm, "dns-production")
	var role, policy map[string]any
	for _, r := range dns["Resources"].(map[string]any) {
		m := r.(map[string]any)
		switch m["Type"] {
		case "AWS::IAM::Role":
			role = m["Properties"].(map[string]any)
		case "AWS::IAM::Policy":
			policy = m["Properties"].(map[string]any)
		}
	}
	if role == nil || role["RoleName"] != "fleet-dns-delegation-production" {
		t.Fatalf("delegation role: %v", role)
	}
	trust, _ := json.Marshal(role["AssumeRolePolicyDocument"])
	if !strings.Contains(string(trust), "444444444444") {
		t.Errorf("the role does not trust the dedicated tenant's account: %s", trust)
	}
	doc, _ := json.Marshal(policy)
	for _, want := range []string{`"route53:ChangeResourceRecordSets"`, `"NS"`, `hostedzone/Z0PRODUCTION00000001`, `*.adhere.example.com`} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("delegation policy lacks %s: %s", want, doc)
		}
	}
	if strings.Contains(string(doc), `"Action":"*"`) || strings.Contains(string(doc), `"Resource":"*"`) {
		t.Errorf("delegation policy is wider than NS records in one zone: %s", doc)
	}
}
