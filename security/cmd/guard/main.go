// Command guard runs cfn-guard with the AWS Control Tower proactive-control rules over every
// template of a cloud assembly and exits 1 on any failure policy/guard-exemptions.yaml does
// not accept.
//
//	go run ./security/cmd/guard [--cdk-out cdk.out] [--exemptions policy/guard-exemptions.yaml]
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/fleetcdk/fleet/security"
)

func main() {
	cdkOut := flag.String("cdk-out", "cdk.out", "the cloud assembly to check (make synth writes it)")
	file := flag.String("exemptions", security.ExemptionsFile, "accepted failures, each with a reason")
	verbose := flag.Bool("v", false, "list the exempted failures too")
	flag.Parse()
	os.Exit(run(*cdkOut, *file, *verbose))
}

func run(cdkOut, file string, verbose bool) int {
	ex, err := security.LoadExemptions(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	start := time.Now()
	r, err := security.RunGuard(cdkOut, ex)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if verbose {
		for _, f := range r.Exempted {
			fmt.Printf("exempted: %s %s: %s\n", f.Stack, f.Resource, f.Rule)
		}
	}
	for _, e := range r.Unused(ex) {
		fmt.Fprintf(os.Stderr, "warning: exemption %s accepted nothing; remove it from %s\n", e, file)
	}
	fmt.Printf("cfn-guard (Control Tower proactive controls): %d templates, %d failures, %d exempted by %s (%s)\n",
		len(r.Templates), len(r.Failures), len(r.Exempted), file, time.Since(start).Round(time.Second))
	if len(r.Failures) == 0 {
		return 0
	}
	for _, f := range r.Failures {
		fmt.Println("  " + f.String())
	}
	fmt.Printf("%d failures: fix the construct, or add an exemption with a reason to %s\n", len(r.Failures), file)
	return 1
}
