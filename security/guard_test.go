package security_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/internal/cdktest"
	"github.com/fleetcdk/fleet/security"
	"github.com/fleetcdk/fleet/stacks"
)

func exemptions(t *testing.T) security.Exemptions {
	t.Helper()
	ex, err := security.LoadExemptions(filepath.Join(cdktest.Root(), security.ExemptionsFile))
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// fleetGuard synthesizes the example fleet (without the CloudFormation validator, as
// CDK_VALIDATION=false) and runs cfn-guard over it once for the tests that need the report.
var fleetGuard = sync.OnceValues(func() (security.Report, error) {
	m, err := config.Load(cdktest.Root())
	if err != nil {
		return security.Report{}, err
	}
	dir, err := os.MkdirTemp("", "fleet-guard-")
	if err != nil {
		return security.Report{}, err
	}
	defer os.RemoveAll(dir)
	c := cdktest.Context()
	app := awscdk.NewApp(&awscdk.AppProps{Context: &c, AnalyticsReporting: jsii.Bool(false), Outdir: jsii.String(dir)})
	if _, err := stacks.Build(app, m, stacks.Selection{}); err != nil {
		return security.Report{}, err
	}
	app.Synth(nil)
	ex, err := security.LoadExemptions(filepath.Join(cdktest.Root(), security.ExemptionsFile))
	if err != nil {
		return security.Report{}, err
	}
	return security.RunGuard(dir, ex)
})

func TestGuard_exampleFleetHasNoUnexemptedFailures(t *testing.T) {
	start := time.Now()
	r, err := fleetGuard()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cfn-guard over %d templates: %d failures, %d exempted (%s)", len(r.Templates), len(r.Failures), len(r.Exempted), time.Since(start).Round(time.Second))
	if len(r.Templates) == 0 {
		t.Fatal("no templates were checked")
	}
	if len(r.Failures) > 0 {
		lines := make([]string, len(r.Failures))
		for i, f := range r.Failures {
			lines[i] = "  " + f.String()
		}
		t.Errorf("%d Control Tower proactive-control failures; fix the construct, or exempt the failure with a reason in %s:\n%s",
			len(r.Failures), security.ExemptionsFile, strings.Join(lines, "\n"))
	}
}

func TestGuardExemptions_everyOneIsUsed(t *testing.T) {
	r, err := fleetGuard()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range r.Unused(exemptions(t)) {
		t.Errorf("%s: exemption %s accepts no failure of the example fleet; remove it", security.ExemptionsFile, e)
	}
}

func TestGuardExemptions_everyOneHasAReason(t *testing.T) {
	for _, e := range exemptions(t) {
		if len(strings.Fields(e.Reason)) < 5 {
			t.Errorf("%s: exemption %s: reason %q does not say why", security.ExemptionsFile, e, e.Reason)
		}
	}
}

func TestLoadExemptions_rejectsAnExemptionWithoutReason(t *testing.T) {
	file := filepath.Join(t.TempDir(), "exemptions.yaml")
	os.WriteFile(file, []byte("exemptions:\n  - rule: s3_bucket_logging_enabled_check\n    resource: \"*\"\n    reason: \" \"\n"), 0o644)
	if _, err := security.LoadExemptions(file); err == nil || !strings.Contains(err.Error(), "reason is required") {
		t.Errorf("want a missing-reason error, got %v", err)
	}
	os.WriteFile(file, []byte("exemptions:\n  - rule: x\n    resource: \"*\"\n    reason: because\n    why: typo\n"), 0o644)
	if _, err := security.LoadExemptions(file); err == nil || !strings.Contains(err.Error(), "why") {
		t.Errorf("want an unknown-key error, got %v", err)
	}
}

// badTemplate is written by hand: a world-readable-by-default, unencrypted, unlogged bucket and
// SSH open to the world.
const badTemplate = `{
  "Resources": {
    "OpenBucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
    "SshFromAnywhere": {
      "Type": "AWS::EC2::SecurityGroup",
      "Properties": {
        "GroupDescription": "ssh",
        "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}]
      }
    }
  }
}`

func TestGuard_reportsABadTemplate(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.template.json"), []byte(badTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	exempt := security.Exemptions{{Rule: "s3_bucket_versioning_enabled_check", Resource: "Open*", Reason: "exercises the filter"}}
	r, err := security.RunGuard(dir, exempt)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range r.Failures {
		if f.Stack != "bad" || f.Control == "" {
			t.Errorf("failure %+v: want stack \"bad\" and a Control Tower control id", f)
		}
		got[f.Resource+" "+f.Rule] = true
	}
	for _, want := range []string{
		"OpenBucket s3_bucket_level_public_access_prohibited_check",
		"OpenBucket s3_bucket_logging_enabled_check",
		"OpenBucket s3_bucket_default_encryption_kms_check",
		"SshFromAnywhere vpc_sg_restricted_common_ports_check",
		"SshFromAnywhere vpc_sg_open_only_to_authorized_ports_check",
	} {
		if !got[want] {
			t.Errorf("cfn-guard did not report %s; it reported %v", want, got)
		}
	}
	if got["OpenBucket s3_bucket_versioning_enabled_check"] || len(r.Exempted) != 1 || r.Used[0] != 1 {
		t.Errorf("the exemption was not applied: exempted %v, used %v", r.Exempted, r.Used)
	}
}
