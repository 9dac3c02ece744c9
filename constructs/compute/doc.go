// Package compute defines the ECS cluster and the Fargate services of the service catalog.
//
//	cluster := compute.NewCluster(stack, "Compute", &compute.ClusterProps{Vpc: vpc})
//	svc := compute.NewService(stack, "DoctorApi", &compute.ServiceProps{
//		Cluster: cluster.Cluster(), Name: "doctor-api", Image: "...:1.8.2", Port: 8080,
//		HealthCheckPath: "/doctor/health", Cpu: 512, MemoryMiB: 1024,
//		DesiredCount: 2, MinCount: 2, MaxCount: 10,
//		LoadBalancer: lb, Route: &ingress.Route{Priority: 110, PathPrefix: "/doctor"},
//	})
//
// NewCluster creates an ECS cluster with Container Insights (enhanced) and a KMS key for the
// services' log groups. NewService creates a Fargate task definition with its own task role, a
// log group with retention, the service in private subnets with a deployment circuit breaker
// that rolls back, ECS Exec off unless asked, its own security group open only to the load
// balancer, a target group with the catalog's health check, the listener rules of its route,
// and target-tracking autoscaling on CPU and on requests per target.
package compute
