package security_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/internal/cdktest"
	"github.com/fleetcdk/fleet/security"
)

// newApp returns an App with cdk.json's context that synthesizes into a temporary folder of t.
// One flag differs: error annotations stay annotations instead of failing the synth with a
// validation report, so a test can read every cdk-nag finding from the cloud assembly. The
// templates are the same.
func newApp(t *testing.T) awscdk.App {
	t.Helper()
	c := cdktest.Context()
	c["@aws-cdk/core:annotationsInValidationReport"] = false
	return awscdk.NewApp(&awscdk.AppProps{Context: &c, AnalyticsReporting: jsii.Bool(false), Outdir: jsii.String(t.TempDir())})
}

// nagErrors applies the fleet's cdk-nag packs to app, synthesizes it and returns the
// unsuppressed error-level findings. The fleet test and the bad-construct tests share it.
func nagErrors(t *testing.T, app awscdk.App) []security.Finding {
	t.Helper()
	security.ApplyNagPacks(app)
	asm := app.Synth(nil)
	findings, err := security.NagErrors(*asm.Directory())
	if err != nil {
		t.Fatal(err)
	}
	return findings
}
