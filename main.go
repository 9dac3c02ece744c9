// Command fleet-app is the CDK app: it loads the fleet folder ($FLEET_DIR, default .), validates
// it, builds every stack and synthesizes. It is the only place that reads the environment and
// the CDK context.
//
//	cdk synth                       the whole fleet
//	cdk synth -c tenant=acme-health one tenant's stacks and the shared stacks they need
//
// A large fleet is synthesized by several worker processes of this same program (one jsii
// runtime each, so both cores work), each building a disjoint set of units (stacks/shard.go);
// their cloud assemblies are merged into the one the CDK CLI reads. FLEET_SHARDS=n forces n
// workers; FLEET_SHARDS=1 turns it off.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/constructs/pipeline"
	"github.com/fleetcdk/fleet/internal/assembly"
	"github.com/fleetcdk/fleet/stacks"
)

// shardFrom is the fleet size (estimated stacks) from which synth uses worker processes: below
// it, starting a second jsii runtime costs more than it saves.
const shardFrom = 120

// stacksPerWorker bounds a worker's share: its jsii runtime holds the construct tree of its
// stacks until it exits (about 1.6 MiB per stack), so a large fleet is split into more workers
// than cores, and at most one per core runs at a time. 2,129 stacks in two workers peaked at
// 4.2 GiB for the whole process tree; in four, two at a time, at about half of that.
const stacksPerWorker = 600

// Environment variables between the parent and its workers.
const (
	shardsEnv = "FLEET_SHARDS"
	workerEnv = "FLEET_WORKER" // "i/n": this process is worker i of n
)

func main() {
	dir := os.Getenv(config.DirEnv)
	if dir == "" {
		dir = "."
	}
	// Load and validate before the first jsii call: bad input never starts a synth.
	m, err := config.Load(dir)
	if err != nil {
		var diags config.Diagnostics
		if errors.As(err, &diags) {
			fmt.Fprintf(os.Stderr, "%s\n\n%d problem(s) in %s; nothing was synthesized\n", diags.Error(), len(diags), dir)
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
	sel := stacks.Selection{Tenant: contextString("tenant")}
	if sel.Tenant == "" && os.Getenv(workerEnv) == "" {
		sel.Tenant = tenantFromCLI(m)
	}
	if w := os.Getenv(workerEnv); w != "" {
		fmt.Sscanf(w, "%d/%d", &sel.Shard, &sel.Shards)
	} else if n := shards(m, sel); n > 1 {
		err := runWorkers(m, n)
		if err == nil {
			err = writeWaves(os.Getenv("CDK_OUTDIR"), m)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	fleet, err := stacks.Build(app, m, sel)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, s := range fleet.Skipped {
		fmt.Fprintln(os.Stderr, "notice: "+s)
	}
	asm := app.Synth(nil)
	// The quotas only a template can show: resources per stack and template bytes.
	problems, err := stacks.CheckTemplates(*asm.Directory())
	if err == nil && len(problems) > 0 {
		err = fmt.Errorf("%s\n\n%d template(s) over a CloudFormation quota; nothing can be deployed", strings.Join(problems, "\n"), len(problems))
	}
	if err == nil && sel.Tenant == "" && sel.Shards <= 1 {
		err = writeWaves(*asm.Directory(), m)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// writeWaves writes the pipeline's wave plan (stacks and smoke tests per wave) into the cloud
// assembly, where the pipeline's deploy and smoke-test steps read it.
func writeWaves(out string, m *config.Model) error {
	return os.WriteFile(filepath.Join(out, pipeline.WavesFile), pipeline.WavesJSON(pipeline.Waves(m)), 0o644)
}

// contextString reads a context value the CDK CLI passes (-c key=value) without starting jsii:
// the CLI puts context in CDK_CONTEXT_JSON and, when that is too large for the environment,
// the rest in the file named by CONTEXT_OVERFLOW_LOCATION_ENV.
func contextString(key string) string {
	for _, raw := range []string{os.Getenv("CDK_CONTEXT_JSON"), readFile(os.Getenv("CONTEXT_OVERFLOW_LOCATION_ENV"))} {
		var ctx map[string]any
		if raw != "" && json.Unmarshal([]byte(raw), &ctx) == nil {
			if s, ok := ctx[key].(string); ok {
				return s
			}
		}
	}
	return ""
}

func readFile(path string) string {
	if path == "" {
		return ""
	}
	data, _ := os.ReadFile(path)
	return string(data)
}

// shards is how many workers synthesize this fleet.
func shards(m *config.Model, sel stacks.Selection) int {
	if v := os.Getenv(shardsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err == nil && n >= 1 {
			return n
		}
	}
	est := stacks.EstimatedStacks(m)
	if sel.Tenant != "" || est < shardFrom {
		return 1
	}
	return max(runtime.NumCPU(), (est+stacksPerWorker-1)/stacksPerWorker)
}

// runWorkers runs n copies of this program, each synthesizing its units into a part folder of
// the output, then merges the parts into the output the CLI reads.
func runWorkers(m *config.Model, n int) error {
	out := os.Getenv("CDK_OUTDIR")
	if out == "" {
		return errors.New("sharded synth needs CDK_OUTDIR (run it through the CDK CLI, or set FLEET_SHARDS=1)")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	parts := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	running := make(chan struct{}, runtime.NumCPU()) // at most one worker per core at a time
	for i := 0; i < n; i++ {
		parts[i] = filepath.Join(out, fmt.Sprintf(".worker-%d", i))
		os.RemoveAll(parts[i])
		if err := os.MkdirAll(parts[i], 0o755); err != nil {
			return err
		}
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d/%d", workerEnv, i, n), "CDK_OUTDIR="+parts[i])
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			running <- struct{}{}
			defer func() { <-running }()
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Errorf("synth worker %d of %d: %w", i+1, n, err)
			}
		}(i)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := assembly.Merge(out, parts, stacks.CrossShardDependencies(m)); err != nil {
		return err
	}
	if s := strings.TrimSpace(os.Getenv("FLEET_SYNTH_VERBOSE")); s != "" {
		fmt.Fprintf(os.Stderr, "synthesized with %d workers into %s\n", n, out)
	}
	return nil
}
