// Package dns defines alias records in an existing Route 53 hosted zone.
//
// The zone is referenced by id and name, never looked up, so synth needs no AWS credentials:
//
//	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
//		HostedZoneId: jsii.String("Z0123456789ABCDEFGHIJ"),
//		ZoneName:     jsii.String("staging.adhere.example.com"),
//	})
//	dns.NewCloudFrontAlias(stack, "Edge", zone, "edge.stg-euw1-a.cells.staging.adhere.example.com", cdn.Distribution())
//	dns.NewAliasRecords(stack, "TenantHosts", &dns.AliasRecordsProps{
//		Zone:   zone,
//		Hosts:  []string{"acme.staging.adhere.example.com"},
//		Target: "edge.stg-euw1-a.cells.staging.adhere.example.com",
//	})
//
// NewAliasRecords creates, per host, an A and an AAAA AWS::Route53::RecordSet aliased to
// Target, another record of the same zone (which must have A and AAAA records itself, as
// NewCloudFrontAlias makes). Tenant hosts then follow the cell's edge record: moving a cell
// changes one record. NewCloudFrontAlias and NewLoadBalancerAlias create the A and AAAA alias
// records of one name to a CloudFront distribution or to an application load balancer (AAAA
// answers only if the load balancer is dual-stack).
//
// The construct ids of a host's records, "A-<host>" and "AAAA-<host>" with the host's dots
// turned into '-' and '*' into "wildcard" (A-acme-staging-adhere-example-com), are part of the
// contract: they make the records' logical ids, and changing them replaces the records.
package dns
