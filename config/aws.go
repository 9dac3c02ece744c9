package config

import (
	"fmt"
	"slices"
)

// Regions are the AWS regions a cell, environment or dedicated tenant may name. Kept as data so
// a new region is a one-line change; an unknown region is a validation error with a suggestion.
var Regions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
	"ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1",
	"ca-west-1", "cn-north-1", "cn-northwest-1", "eu-central-1", "eu-central-2", "eu-north-1",
	"eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
	"me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
	"us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
}

// fargateMemory lists, per task CPU, the memory sizes (MiB) Fargate accepts.
// Source: Amazon ECS developer guide, "Task CPU and memory" (Fargate) table.
var fargateMemory = map[int][]int{
	256:   {512, 1024, 2048},
	512:   steps(1024, 4096, 1024),
	1024:  steps(2048, 8192, 1024),
	2048:  steps(4096, 16384, 1024),
	4096:  steps(8192, 30720, 1024),
	8192:  steps(16384, 61440, 4096),
	16384: steps(32768, 122880, 8192),
}

func steps(from, to, step int) []int {
	var out []int
	for m := from; m <= to; m += step {
		out = append(out, m)
	}
	return out
}

// checkFargate returns "" when cpu/memory is a pair Fargate accepts, otherwise the reason.
func checkFargate(cpu, memory int) string {
	mems, ok := fargateMemory[cpu]
	if !ok {
		return fmt.Sprintf("cpu %d is not a Fargate size (256, 512, 1024, 2048, 4096, 8192, 16384)", cpu)
	}
	if slices.Contains(mems, memory) {
		return ""
	}
	if len(mems) <= 3 {
		return fmt.Sprintf("Fargate does not accept cpu %d with memory %d; with cpu %d, memory is one of %v MiB", cpu, memory, cpu, mems)
	}
	return fmt.Sprintf("Fargate does not accept cpu %d with memory %d; with cpu %d, memory is %d to %d MiB in steps of %d",
		cpu, memory, cpu, mems[0], mems[len(mems)-1], mems[1]-mems[0])
}
