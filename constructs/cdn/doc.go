// Package cdn defines the CloudFront distribution in front of a cell's load balancer.
//
//	d := cdn.NewDistribution(stack, "Cdn", &cdn.DistributionProps{
//		OriginDomain: "origin.stg-euw1-a.cells.staging.adhere.example.com",
//		OriginSecret: awscdk.SecretValue_SecretsManager(jsii.String("cell/origin-verify"), nil),
//		Hosts:        []string{"acme.staging.adhere.example.com"},
//		Certificate:  cert, // in us-east-1, covering Hosts
//		WebACLArn:    acl.Arn(),
//	})
//	d.DomainName()   // the *.cloudfront.net name to alias tenant hosts to
//	d.PortalBucket() // where the static portal files go
//
// It creates an AWS::CloudFront::Distribution (HTTP/2 and HTTP/3, IPv6, TLSv1.2_2021 for
// viewers, price class 100, standard logging) whose default behavior sends every request,
// uncached and with all viewer headers including Host, over HTTPS (TLSv1.2) to OriginDomain,
// adding the origin-verify header (X-Origin-Verify unless told otherwise) that the load
// balancer checks. The static paths (/static/* and /portal/* unless told otherwise) are served,
// compressed and cached (minimum TTL 180 s unless told otherwise), from a private, versioned,
// SSE-S3 encrypted portal bucket through Origin Access Control: the bucket policy lets only
// this distribution read it. A request for /static/app.js reads the object static/app.js.
//
// Unless a LogBucket is given, it also creates a log bucket (ACLs enabled, as CloudFront
// standard logging requires) that receives CloudFront logs under cloudfront/ and the portal
// bucket's server access logs under portal-bucket/.
//
// The construct ids of the two buckets ("PortalBucket", "LogBucket") are part of the
// contract: changing them replaces the buckets.
package cdn
