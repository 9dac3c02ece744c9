// Package ingress defines the Application Load Balancer of a cell or a dedicated tenant: the
// one way into the services, reachable only from CloudFront.
//
//	lb := ingress.NewLoadBalancer(stack, "Ingress", &ingress.LoadBalancerProps{
//		Vpc:          vpc,
//		Certificate:  cert, // covers the origin name CloudFront connects to
//		OriginSecret: awscdk.SecretValue_SecretsManager(...),
//	})
//	lb.AddRoute(scope, "Doctor", &ingress.Route{Priority: 1010, Hosts: hosts, PathPrefix: "/doctor", TargetGroup: tg})
//
// It creates an internet-facing ALB whose security group admits HTTPS only from the CloudFront
// origin-facing managed prefix list (its id resolved at deploy time, never looked up at
// synth), an HTTPS listener with a TLS 1.3/1.2 policy whose default action is a fixed 403, an
// HTTP listener that redirects to HTTPS, and access logs to an S3 bucket. Every route
// also requires the secret origin header CloudFront adds, so a request that reaches the ALB
// without passing through CloudFront gets 403 whatever its host and path.
//
// Listener rule priorities are the caller's (limits.RulePriority is the fleet's layout). A rule
// holds at most five condition values (AWS quota); AddRoute splits hosts over several rules.
package ingress
