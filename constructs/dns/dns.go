package dns

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

var hostPattern = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// AliasRecordsProps configures AliasRecords.
type AliasRecordsProps struct {
	// Zone is the hosted zone, from awsroute53.HostedZone_FromHostedZoneAttributes.
	Zone awsroute53.IHostedZone
	// Hosts are the record names, each in Zone.
	Hosts []string
	// Target is the record of Zone the hosts alias to, such as
	// edge.stg-euw1-a.cells.staging.adhere.example.com.
	Target string
}

// AliasRecords are A and AAAA alias records of several hosts to one record of their zone.
type AliasRecords interface {
	constructs.Construct
	// Names are the record names, lowercased, in the order given.
	Names() []string
}

type aliasRecords struct {
	constructs.Construct
	names []string
}

func (a *aliasRecords) Names() []string { return append([]string(nil), a.names...) }

// NewAliasRecords defines, for each of props.Hosts, an A and an AAAA record aliased to
// props.Target in props.Zone.
func NewAliasRecords(scope constructs.Construct, id string, props *AliasRecordsProps) AliasRecords {
	if props == nil || props.Zone == nil {
		panic("dns: props.Zone is required")
	}
	if props.Target == "" {
		panic("dns: props.Target is required")
	}
	zone := props.Zone
	target := normalize(props.Target)
	checkInZone("props.Target", target, zone)
	hosts := make([]string, len(props.Hosts))
	byID := map[string]string{}
	for i, h := range props.Hosts {
		h = normalize(h)
		checkInZone("host", h, zone)
		if h == target {
			panic(fmt.Sprintf("dns: host %s is the alias target itself", h))
		}
		if other, ok := byID[recordID(h)]; ok && other == h {
			panic(fmt.Sprintf("dns: host %s is listed twice", h))
		} else if ok {
			panic(fmt.Sprintf("dns: hosts %s and %s get the same record ids %s; rename one", other, h, recordID(h)))
		}
		byID[recordID(h)] = h
		hosts[i] = h
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	for _, h := range hosts {
		for _, typ := range []string{"A", "AAAA"} {
			awsroute53.NewCfnRecordSet(this, jsii.String(typ+"-"+recordID(h)), &awsroute53.CfnRecordSetProps{
				HostedZoneId: zone.HostedZoneId(),
				Name:         jsii.String(h + "."),
				Type:         jsii.String(typ),
				AliasTarget: &awsroute53.CfnRecordSet_AliasTargetProperty{
					DnsName:              jsii.String(target),
					HostedZoneId:         zone.HostedZoneId(),
					EvaluateTargetHealth: jsii.Bool(false),
				},
			})
		}
	}
	return &aliasRecords{Construct: this, names: hosts}
}

// NewCloudFrontAlias creates A + AAAA alias records name → a CloudFront distribution in zone.
// The construct ids of the records are "A" and "AAAA".
func NewCloudFrontAlias(scope constructs.Construct, id string, zone awsroute53.IHostedZone, name string, dist awscloudfront.IDistribution) {
	if dist == nil {
		panic("dns: a CloudFront alias needs a distribution")
	}
	alias(scope, id, zone, name, awsroute53.RecordTarget_FromAlias(awsroute53targets.NewCloudFrontTarget(dist)))
}

// NewLoadBalancerAlias creates A + AAAA alias records name → an ALB in zone. The AAAA record
// answers only if the load balancer is dual-stack. The construct ids of the records are "A"
// and "AAAA".
func NewLoadBalancerAlias(scope constructs.Construct, id string, zone awsroute53.IHostedZone, name string, alb awselasticloadbalancingv2.ILoadBalancerV2) {
	if alb == nil {
		panic("dns: a load balancer alias needs a load balancer")
	}
	alias(scope, id, zone, name, awsroute53.RecordTarget_FromAlias(awsroute53targets.NewLoadBalancerTarget(alb, nil)))
}

func alias(scope constructs.Construct, id string, zone awsroute53.IHostedZone, name string, target awsroute53.RecordTarget) {
	if zone == nil {
		panic("dns: a zone is required")
	}
	name = normalize(name)
	checkInZone("name", name, zone)
	this := constructs.NewConstruct(scope, jsii.String(id))
	awsroute53.NewARecord(this, jsii.String("A"), &awsroute53.ARecordProps{Zone: zone, RecordName: jsii.String(name), Target: target})
	awsroute53.NewAaaaRecord(this, jsii.String("AAAA"), &awsroute53.AaaaRecordProps{Zone: zone, RecordName: jsii.String(name), Target: target})
}

// normalize lowercases a DNS name and drops its trailing dot.
func normalize(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
}

// checkInZone panics unless name is a valid DNS name in zone (or zone's apex). A zone whose
// name is not known at synth time is not checked.
func checkInZone(what, name string, zone awsroute53.IHostedZone) {
	if !hostPattern.MatchString(name) {
		panic(fmt.Sprintf("dns: %s %q is not a valid DNS name", what, name))
	}
	zoneName := zone.ZoneName()
	if zoneName == nil || *awscdk.Token_IsUnresolved(zoneName) {
		return
	}
	z := normalize(*zoneName)
	if name != z && !strings.HasSuffix(name, "."+z) {
		panic(fmt.Sprintf("dns: %s %s is not in zone %s; use the zone that holds it", what, name, z))
	}
}

// recordID is the construct id part derived from a host: dots become '-', '*' "wildcard".
func recordID(host string) string {
	return strings.NewReplacer(".", "-", "*", "wildcard").Replace(host)
}
