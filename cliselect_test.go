package main

import (
	"reflect"
	"testing"

	"github.com/fleetcdk/fleet/config"
)

func TestStackPatterns_readsTheCDKCommandLine(t *testing.T) {
	for _, c := range []struct {
		argv []string
		want []string
		ok   bool
	}{
		{[]string{"synth", "tenant-acme-health-staging"}, []string{"tenant-acme-health-staging"}, true},
		{[]string{"--no-notices", "synth", "-c", "x=y", "--output", "cdk.out", "tenant-a-*", "-q"}, []string{"tenant-a-*"}, true},
		{[]string{"deploy", "--require-approval", "never", "--exclusively", "tenant-a-production"}, []string{"tenant-a-production"}, true},
		{[]string{"synth", "--output=cdk.out", "tenant-a-staging"}, []string{"tenant-a-staging"}, true},
		{[]string{"synth"}, nil, false},
		{[]string{"deploy", "--all"}, nil, false},
		{[]string{"bootstrap", "aws://1/eu-west-1"}, nil, false},
	} {
		got, ok := stackPatterns(c.argv)
		if ok != c.ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: got %v %v, want %v %v", c.argv, got, ok, c.want, c.ok)
		}
	}
}

func TestTenantOfPatterns_onlyWhenEveryPatternIsOneTenant(t *testing.T) {
	m, err := config.Load(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		patterns []string
		want     string
	}{
		{[]string{"tenant-acme-health-staging"}, "acme-health"},
		{[]string{"tenant-acme-health-*"}, "acme-health"},
		{[]string{"tenant-northwind-pharma-production-edge"}, "northwind-pharma"},
		{[]string{"tenant-acme-health-staging", "tenant-acme-health-production"}, "acme-health"},
		{[]string{"tenant-acme-health-staging", "tenant-bright-clinic-staging"}, ""}, // two tenants
		{[]string{"tenant-*"}, ""},                   // every tenant
		{[]string{"cell-stg-euw1-a"}, ""},            // a shared stack
		{[]string{"tenant-nobody-staging"}, ""},      // no such stack: let the CLI say so
		{[]string{"Stage/tenant-acme-health-*"}, ""}, // hierarchical
	} {
		if got := tenantOfPatterns(m, c.patterns); got != c.want {
			t.Errorf("%v: got %q, want %q", c.patterns, got, c.want)
		}
	}
}
