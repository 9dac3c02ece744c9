package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// checkSteps are what a pull request must pass, in order: each is a Makefile target, so a
// laptop, CI and the pipeline run the same commands.
var checkSteps = []struct{ target, what string }{
	{"validate", "fleet and tenant files"},
	{"fresh", "lock file and JSON Schemas are current"},
	{"synth", "cdk synth with CloudFormation template validation"},
	{"test", "all Go tests (config, constructs, stacks, cdk-nag, CLI)"},
	{"check-policy", "cfn-guard: AWS Control Tower proactive controls over cdk.out"},
	{"plan", "capacity plan: every cell within its quotas"},
}

// cmdCheck runs every step, even after a failure, so one run shows everything that is wrong,
// then prints one verdict. It exits 1 if any step failed.
func cmdCheck(args []string, stdout, stderr io.Writer) error {
	failed := []string{}
	type result struct {
		target, what, status string
		took                 time.Duration
	}
	var results []result
	for _, s := range checkSteps {
		fmt.Fprintf(stdout, "\n==> %s: %s\n", s.target, s.what)
		start := time.Now()
		cmd := exec.Command("make", "--no-print-directory", s.target)
		cmd.Stdout, cmd.Stderr, cmd.Env = stdout, stderr, os.Environ()
		status := "ok"
		if err := cmd.Run(); err != nil {
			status = "FAILED"
			failed = append(failed, s.target)
		}
		results = append(results, result{s.target, s.what, status, time.Since(start).Round(100 * time.Millisecond)})
	}
	fmt.Fprintf(stdout, "\n%-14s %-8s %8s  %s\n", "STEP", "RESULT", "TIME", "WHAT")
	for _, r := range results {
		fmt.Fprintf(stdout, "%-14s %-8s %8s  %s\n", r.target, r.status, r.took, r.what)
	}
	if len(failed) > 0 {
		fmt.Fprintf(stdout, "\nCHECK FAILED: %s\n", strings.Join(failed, ", "))
		return fmt.Errorf("%d of %d steps failed: %s", len(failed), len(checkSteps), strings.Join(failed, ", "))
	}
	fmt.Fprintf(stdout, "\nCHECK PASSED: all %d steps\n", len(checkSteps))
	return nil
}
