package main

import (
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/fleetcdk/fleet/config"
)

// The CDK CLI does not tell the app which stacks `cdk synth tenant-acme-health-staging` asked
// for, so the app would build the whole fleet to print one template. On Linux it can read the
// command line of the cdk process it runs under (/proc), and when every stack pattern names the
// stacks of one tenant, build only that tenant (and the shared stacks its stacks need). Anything
// unclear (another OS, --all, patterns for several tenants or shared stacks) builds everything,
// which is always correct. `-c tenant=<id>` is the explicit, portable form.

// cdkCommands are the CLI commands whose positional arguments are stack patterns.
var cdkCommands = map[string]bool{"synth": true, "synthesize": true, "deploy": true, "diff": true, "watch": true, "ls": true, "list": true}

// cdkValueFlags are the CLI options that take a value as the next argument.
var cdkValueFlags = map[string]bool{
	"-a": true, "--app": true, "-c": true, "--context": true, "-o": true, "--output": true, "--profile": true,
	"-r": true, "--role-arn": true, "--toolkit-stack-name": true, "--plugin": true, "-p": true, "--proxy": true,
	"--ca-bundle-path": true, "--build": true, "--parameters": true, "-O": true, "--outputs-file": true,
	"-m": true, "--method": true, "--notification-arns": true, "-t": true, "--tags": true, "--change-set-name": true,
	"--progress": true, "--concurrency": true, "--asset-parallelism": true, "--require-approval": true,
	"--template": true, "--context-lines": true, "--unstable": true, "--asset-prebuild": true, "-b": true,
	"--bootstrap-stack-name": true, "--hotswap-ecs-minimum-healthy-percent": true,
	"--hotswap-ecs-maximum-healthy-percent": true, "--hotswap-ecs-stabilization-timeout-seconds": true,
	"--telemetry-file": true,
}

// stackPatterns extracts the command and stack patterns from a cdk command line, or ok=false
// when argv is not a cdk command this knows.
func stackPatterns(argv []string) (patterns []string, ok bool) {
	command := ""
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		switch {
		case command == "" && cdkCommands[a]:
			command = a
		case a == "--all":
			return nil, false
		case strings.HasPrefix(a, "-"):
			if !strings.Contains(a, "=") && cdkValueFlags[a] {
				i++
			}
		case command != "":
			patterns = append(patterns, a)
		}
	}
	return patterns, command != "" && len(patterns) > 0
}

// tenantOfPatterns returns the one tenant whose stacks every pattern matches (and nothing
// else), or "".
func tenantOfPatterns(m *config.Model, patterns []string) string {
	owner := map[string]string{} // stack name -> tenant id ("" for shared stacks)
	for _, d := range m.Deployments() {
		owner[d.StackName()] = d.Tenant.ID
		owner[d.StackName()+"-edge"] = d.Tenant.ID
	}
	for _, c := range m.Fleet.Cells {
		owner["cell-"+c.ID], owner["cell-"+c.ID+"-edge"] = "", ""
	}
	tenant := ""
	for _, p := range patterns {
		if strings.Contains(p, "/") {
			return "" // hierarchical ids: let the CLI see everything
		}
		matched := false
		for name, id := range owner {
			if ok, _ := path.Match(p, name); !ok {
				continue
			}
			if id == "" || (tenant != "" && id != tenant) {
				return ""
			}
			tenant, matched = id, true
		}
		if !matched {
			return ""
		}
	}
	return tenant
}

// tenantFromCLI looks for the cdk command line among this process's ancestors.
func tenantFromCLI(m *config.Model) string {
	if os.Getenv("FLEET_SELECT_FROM_CLI") == "0" {
		return ""
	}
	pid := os.Getppid()
	for depth := 0; depth < 5 && pid > 1; depth++ {
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if err != nil {
			return ""
		}
		argv := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if isCDK(argv) {
			if patterns, ok := stackPatterns(argv[1:]); ok {
				return tenantOfPatterns(m, patterns)
			}
			return ""
		}
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return ""
		}
		// the parent pid is the 4th field, after the parenthesized command name
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 2 {
			return ""
		}
		pid, _ = strconv.Atoi(fields[1])
	}
	return ""
}

// isCDK reports whether argv runs the CDK CLI (node .../aws-cdk/bin/cdk or .bin/cdk ...).
func isCDK(argv []string) bool {
	for _, a := range argv[:min(3, len(argv))] {
		if base := path.Base(a); base == "cdk" || strings.HasSuffix(a, "aws-cdk/bin/cdk") {
			return true
		}
	}
	return false
}
