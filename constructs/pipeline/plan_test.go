package pipeline_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/constructs/pipeline"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

func exampleModel(t *testing.T) *config.Model {
	t.Helper()
	m, err := config.Load(cdktest.Root())
	if err != nil {
		t.Fatalf("example fleet: %v", err)
	}
	return m
}

func names(ws []pipeline.Wave) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Name)
	}
	return out
}

func wave(t *testing.T, ws []pipeline.Wave, name string) pipeline.Wave {
	t.Helper()
	for _, w := range ws {
		if w.Name == name {
			return w
		}
	}
	t.Fatalf("no wave %q in %v", name, names(ws))
	return pipeline.Wave{}
}

func TestWaves_ordersControlPlaneThenCellsThenTenantWavesStagingBeforeProduction(t *testing.T) {
	got := names(pipeline.Waves(exampleModel(t)))
	want := []string{
		"control-plane",
		"staging-cells", "staging-canary", "staging-early", "staging-main",
		"production-cells", "production-canary", "production-early", "production-main",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("waves = %v\nwant    %v", got, want)
	}
}

func TestWaves_approvesEveryWaveOfApprovalEnvironmentsOnly(t *testing.T) {
	for _, w := range pipeline.Waves(exampleModel(t)) {
		want := w.Environment == "production" // the example's only requireApproval environment
		if w.Approval != want {
			t.Errorf("wave %s: Approval = %v, want %v", w.Name, w.Approval, want)
		}
	}
}

func TestWaves_groupsTenantStacksByReleaseWave(t *testing.T) {
	ws := pipeline.Waves(exampleModel(t))
	for name, want := range map[string][]string{
		"control-plane":    {"control-plane"},
		"staging-cells":    {"cell-stg-euw1-a", "cell-stg-euw1-a-edge"},
		"staging-canary":   {"tenant-bright-clinic-staging"},
		"staging-early":    {"tenant-acme-health-staging"},
		"production-cells": {"cell-prd-euw1-a", "cell-prd-euw1-a-edge", "cell-prd-euc1-a", "cell-prd-euc1-a-edge"},
		"production-main":  {"tenant-carecircle-production", "tenant-northwind-pharma-production"},
	} {
		if got := wave(t, ws, name).Stacks; !reflect.DeepEqual(got, want) {
			t.Errorf("wave %s stacks = %v, want %v", name, got, want)
		}
	}
}

func TestWaves_skipsTenantsWaitingForTheirAccount(t *testing.T) {
	for _, w := range pipeline.Waves(exampleModel(t)) {
		for _, s := range w.Stacks {
			if s == "tenant-orbit-care-production" {
				t.Errorf("wave %s deploys %s, whose requested account has no id yet", w.Name, s)
			}
		}
		for _, st := range w.SmokeTests {
			if st.Tenant == "orbit-care" {
				t.Errorf("wave %s smoke-tests orbit-care, which is not deployed", w.Name)
			}
		}
	}
}

func TestWaves_smokeTestsFirstHostWithFirstServiceHealthCheck(t *testing.T) {
	ws := pipeline.Waves(exampleModel(t))
	if got, want := wave(t, ws, "staging-early").SmokeTests, []pipeline.SmokeTest{{Tenant: "acme-health", URL: "https://acme.staging.adhere.example.com/health"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("staging-early smoke tests = %v, want %v", got, want)
	}
	if got := wave(t, ws, "production-main").SmokeTests; len(got) != 2 || got[1].URL != "https://northwind.adhere.example.com/health" {
		t.Errorf("production-main smoke tests = %v", got)
	}
	if got := wave(t, ws, "production-cells").SmokeTests; got != nil {
		t.Errorf("cells have no tenant to smoke-test, got %v", got)
	}
}

func TestWaves_listsTheAccountsEachWaveDeploysInto(t *testing.T) {
	ws := pipeline.Waves(exampleModel(t))
	for name, want := range map[string][]string{
		"control-plane":   {"111111111111"},
		"staging-main":    {"222222222222", "444444444444"},
		"production-main": {"333333333333", "444444444444"},
	} {
		if got := wave(t, ws, name).Accounts; !reflect.DeepEqual(got, want) {
			t.Errorf("wave %s accounts = %v, want %v", name, got, want)
		}
	}
}

func TestDeployCommands_readTheWaveFromTheWavesFileInBatches(t *testing.T) {
	got := strings.Join(pipeline.DeployCommands("production-main", "2.1148.1", 4, 50), "\n")
	for _, want := range []string{`jq -er --arg w "production-main" '.waves[$w].stacks | join(" ")' fleet-waves.json`,
		"xargs -n 50 npx --yes aws-cdk@2.1148.1 deploy --app . --require-approval never --concurrency 4 --exclusively"} {
		if !strings.Contains(got, want) {
			t.Errorf("DeployCommands lacks %q:\n%s", want, got)
		}
	}
}

func TestWavesJSON_listsEachWavesStacksAndSmokeTests(t *testing.T) {
	var file struct {
		Waves map[string]struct {
			Stacks     []string                       `json:"stacks"`
			SmokeTests []struct{ Tenant, URL string } `json:"smokeTests"`
		} `json:"waves"`
	}
	if err := json.Unmarshal(pipeline.WavesJSON(pipeline.Waves(exampleModel(t))), &file); err != nil {
		t.Fatal(err)
	}
	w := file.Waves["staging-early"]
	if !reflect.DeepEqual(w.Stacks, []string{"tenant-acme-health-staging"}) || len(w.SmokeTests) != 1 || w.SmokeTests[0].URL != "https://acme.staging.adhere.example.com/health" {
		t.Errorf("staging-early: %+v", w)
	}
}
