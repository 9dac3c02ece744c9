package dns_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/constructs/dns"
	"github.com/fleetcdk/fleet/internal/cdktest"
)

const (
	recordType = "AWS::Route53::RecordSet"
	zoneID     = "Z0123456789ABCDEFGHIJ"
	edge       = "edge.stg-euw1-a.cells.staging.adhere.example.com"
)

func zone(stack awscdk.Stack) awsroute53.IHostedZone {
	return awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(zoneID),
		ZoneName:     jsii.String("staging.adhere.example.com"),
	})
}

func tenantHosts(stack awscdk.Stack, hosts ...string) dns.AliasRecords {
	return dns.NewAliasRecords(stack, "Dns", &dns.AliasRecordsProps{Zone: zone(stack), Hosts: hosts, Target: edge})
}

func TestAliasRecords_aAndAAAAPerHostAliasedToTarget(t *testing.T) {
	stack := cdktest.Stack()
	tenantHosts(stack, "acme.staging.adhere.example.com", "globex.staging.adhere.example.com")
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String(recordType), jsii.Number(4))
	for _, host := range []string{"acme.staging.adhere.example.com.", "globex.staging.adhere.example.com."} {
		for _, typ := range []string{"A", "AAAA"} {
			tpl.HasResourceProperties(jsii.String(recordType), map[string]any{
				"Name":         host,
				"Type":         typ,
				"HostedZoneId": zoneID,
				"AliasTarget":  map[string]any{"DNSName": edge, "HostedZoneId": zoneID, "EvaluateTargetHealth": false},
			})
		}
	}
}

func TestAliasRecords_pinsLogicalIDsDerivedFromHost(t *testing.T) {
	stack := cdktest.Stack()
	tenantHosts(stack, "acme.staging.adhere.example.com", "*.globex.staging.adhere.example.com")
	want := []string{
		"DnsAAAAacmestagingadhereexamplecom06EE8C91",
		"DnsAAAAwildcardglobexstagingadhereexamplecomDFE1A79A",
		"DnsAacmestagingadhereexamplecomB3BCA4EF",
		"DnsAwildcardglobexstagingadhereexamplecomEE6E1CD1",
	}
	var got []string
	for id := range cdktest.Resources(stack, recordType) {
		got = append(got, id)
	}
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("record logical ids changed (this replaces the records):\n got %v\nwant %v", got, want)
	}
}

func TestAliasRecords_constructIDsNameTheHost(t *testing.T) {
	stack := cdktest.Stack()
	r := tenantHosts(stack, "acme.staging.adhere.example.com")
	for _, id := range []string{"A-acme-staging-adhere-example-com", "AAAA-acme-staging-adhere-example-com"} {
		if r.Node().TryFindChild(jsii.String(id)) == nil {
			t.Errorf("no child construct %s", id)
		}
	}
}

func TestAliasRecords_namesAreLowercasedHostsInOrder(t *testing.T) {
	stack := cdktest.Stack()
	r := tenantHosts(stack, "Globex.staging.adhere.example.com.", "acme.staging.adhere.example.com")
	if got := strings.Join(r.Names(), " "); got != "globex.staging.adhere.example.com acme.staging.adhere.example.com" {
		t.Errorf("Names() = %s", got)
	}
	cdktest.Template(stack).HasResourceProperties(jsii.String(recordType), map[string]any{"Name": "globex.staging.adhere.example.com."})
}

func TestAliasRecords_acceptsZoneApex(t *testing.T) {
	stack := cdktest.Stack()
	tenantHosts(stack, "staging.adhere.example.com")
	cdktest.Template(stack).HasResourceProperties(jsii.String(recordType), map[string]any{"Name": "staging.adhere.example.com.", "Type": "A"})
}

func TestAliasRecords_rejectsHostOutsideZone(t *testing.T) {
	cdktest.MustPanic(t, "dns: host acme.example.org is not in zone staging.adhere.example.com", func() {
		tenantHosts(cdktest.Stack(), "acme.staging.adhere.example.com", "acme.example.org")
	})
}

func TestAliasRecords_rejectsHostThatOnlyEndsLikeZone(t *testing.T) {
	cdktest.MustPanic(t, "dns: host evilstaging.adhere.example.com is not in zone staging.adhere.example.com", func() {
		tenantHosts(cdktest.Stack(), "evilstaging.adhere.example.com")
	})
}

func TestAliasRecords_rejectsTargetOutsideZone(t *testing.T) {
	stack := cdktest.Stack()
	cdktest.MustPanic(t, "dns: props.Target d111.cloudfront.net is not in zone staging.adhere.example.com", func() {
		dns.NewAliasRecords(stack, "Dns", &dns.AliasRecordsProps{Zone: zone(stack), Hosts: []string{"acme.staging.adhere.example.com"}, Target: "d111.cloudfront.net"})
	})
}

func TestAliasRecords_rejectsHostAliasedToItself(t *testing.T) {
	cdktest.MustPanic(t, "dns: host "+edge+" is the alias target itself", func() { tenantHosts(cdktest.Stack(), edge) })
}

func TestAliasRecords_rejectsDuplicateHost(t *testing.T) {
	cdktest.MustPanic(t, "dns: host acme.staging.adhere.example.com is listed twice", func() {
		tenantHosts(cdktest.Stack(), "acme.staging.adhere.example.com", "ACME.staging.adhere.example.com")
	})
}

func TestAliasRecords_rejectsHostsWithCollidingIDs(t *testing.T) {
	cdktest.MustPanic(t, "get the same record ids a-b-staging-adhere-example-com", func() {
		tenantHosts(cdktest.Stack(), "a-b.staging.adhere.example.com", "a.b.staging.adhere.example.com")
	})
}

func TestAliasRecords_rejectsInvalidHost(t *testing.T) {
	cdktest.MustPanic(t, `dns: host "acme_1.staging.adhere.example.com" is not a valid DNS name`, func() {
		tenantHosts(cdktest.Stack(), "acme_1.staging.adhere.example.com")
	})
}

func TestNewCloudFrontAlias_aAndAAAAToDistribution(t *testing.T) {
	stack := cdktest.Stack()
	dist := awscloudfront.Distribution_FromDistributionAttributes(stack, jsii.String("Dist"), &awscloudfront.DistributionAttributes{
		DistributionId: jsii.String("E1ABCDEF"), DomainName: jsii.String("d111.cloudfront.net"),
	})
	dns.NewCloudFrontAlias(stack, "Edge", zone(stack), edge, dist)
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String(recordType), jsii.Number(2))
	for _, typ := range []string{"A", "AAAA"} {
		tpl.HasResourceProperties(jsii.String(recordType), map[string]any{
			"Name":         edge + ".",
			"Type":         typ,
			"HostedZoneId": zoneID,
			"AliasTarget": map[string]any{
				"DNSName":      "d111.cloudfront.net",
				"HostedZoneId": map[string]any{"Fn::FindInMap": []any{"AWSCloudFrontPartitionHostedZoneIdMap", map[string]any{"Ref": "AWS::Partition"}, "zoneId"}},
			},
		})
	}
	tpl.HasMapping(jsii.String("AWSCloudFrontPartitionHostedZoneIdMap"), map[string]any{"aws": map[string]any{"zoneId": "Z2FDTNDATAQYW2"}})
}

func TestNewCloudFrontAlias_rejectsNameOutsideZone(t *testing.T) {
	stack := cdktest.Stack()
	dist := awscloudfront.Distribution_FromDistributionAttributes(stack, jsii.String("Dist"), &awscloudfront.DistributionAttributes{
		DistributionId: jsii.String("E1ABCDEF"), DomainName: jsii.String("d111.cloudfront.net"),
	})
	cdktest.MustPanic(t, "dns: name edge.example.org is not in zone staging.adhere.example.com", func() {
		dns.NewCloudFrontAlias(stack, "Edge", zone(stack), "edge.example.org", dist)
	})
}

func TestNewLoadBalancerAlias_aAndAAAAToDualstackName(t *testing.T) {
	stack := cdktest.Stack()
	alb := awselasticloadbalancingv2.ApplicationLoadBalancer_FromApplicationLoadBalancerAttributes(stack, jsii.String("Alb"), &awselasticloadbalancingv2.ApplicationLoadBalancerAttributes{
		LoadBalancerArn:                   jsii.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/cell/abc"),
		SecurityGroupId:                   jsii.String("sg-12345678"),
		LoadBalancerDnsName:               jsii.String("cell-123.eu-west-1.elb.amazonaws.com"),
		LoadBalancerCanonicalHostedZoneId: jsii.String("Z32O12XQLNTSW2"),
	})
	dns.NewLoadBalancerAlias(stack, "Origin", zone(stack), "origin.stg-euw1-a.cells.staging.adhere.example.com", alb)
	tpl := cdktest.Template(stack)
	tpl.ResourceCountIs(jsii.String(recordType), jsii.Number(2))
	for _, typ := range []string{"A", "AAAA"} {
		tpl.HasResourceProperties(jsii.String(recordType), map[string]any{
			"Name":         "origin.stg-euw1-a.cells.staging.adhere.example.com.",
			"Type":         typ,
			"HostedZoneId": zoneID,
			"AliasTarget":  map[string]any{"DNSName": "dualstack.cell-123.eu-west-1.elb.amazonaws.com", "HostedZoneId": "Z32O12XQLNTSW2"},
		})
	}
}
