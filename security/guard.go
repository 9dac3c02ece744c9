package security

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// GuardPackage is the npm package (pinned in package.json) that ships the cfn-guard binary and
// the AWS Control Tower proactive-control rules.
const GuardPackage = "node_modules/@cdklabs/cdk-validator-cfnguard"

// ExemptionsFile is where the accepted cfn-guard failures are listed, from the repository root.
const ExemptionsFile = "policy/guard-exemptions.yaml"

// Exemption accepts the failures of one cfn-guard rule on the resources whose logical id
// matches Resource (a path.Match pattern; "*" for every resource), in the stacks whose name
// matches Stack (default "*"), for Reason.
type Exemption struct {
	Rule     string `yaml:"rule"`
	Resource string `yaml:"resource"`
	Stack    string `yaml:"stack,omitempty"`
	Reason   string `yaml:"reason"`
}

// Exemptions are the accepted failures, in file order.
type Exemptions []Exemption

func (e Exemption) String() string {
	s := e.Rule + " on " + e.Resource
	if e.Stack != "" && e.Stack != "*" {
		s += " in " + e.Stack
	}
	return s
}

// Matches reports whether e accepts f.
func (e Exemption) Matches(f Failure) bool {
	if e.Rule != f.Rule {
		return false
	}
	stack := e.Stack
	if stack == "" {
		stack = "*"
	}
	okR, _ := path.Match(e.Resource, f.Resource)
	okS, _ := path.Match(stack, f.Stack)
	return okR && okS
}

// LoadExemptions reads an exemptions file strictly: unknown keys are errors, and every entry
// needs a rule, a resource pattern and a reason.
func LoadExemptions(file string) (Exemptions, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read exemptions: %w", err)
	}
	var doc struct {
		Exemptions Exemptions `yaml:"exemptions"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var problems []string
	seen := map[Exemption]bool{}
	for i, e := range doc.Exemptions {
		where := fmt.Sprintf("%s: exemptions[%d]", file, i)
		if e.Rule == "" {
			problems = append(problems, where+": rule is required (a cfn-guard rule name such as s3_bucket_logging_enabled_check)")
		}
		if e.Resource == "" {
			problems = append(problems, where+": resource is required (a logical id pattern, or \"*\")")
		} else if _, err := path.Match(e.Resource, ""); err != nil {
			problems = append(problems, fmt.Sprintf("%s: resource %q is not a valid pattern: %v", where, e.Resource, err))
		}
		if _, err := path.Match(e.Stack, ""); err != nil {
			problems = append(problems, fmt.Sprintf("%s: stack %q is not a valid pattern: %v", where, e.Stack, err))
		}
		if strings.TrimSpace(e.Reason) == "" {
			problems = append(problems, where+" ("+e.String()+"): reason is required; say why the failure is accepted")
		}
		if seen[e] {
			problems = append(problems, where+": "+e.String()+" is listed twice")
		}
		seen[e] = true
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return doc.Exemptions, nil
}

// Failure is one resource of one template that fails one cfn-guard rule.
type Failure struct {
	Rule     string // cfn-guard rule name, such as s3_bucket_logging_enabled_check
	Control  string // the Control Tower control, such as CT.S3.PR.2
	Stack    string // the stack, from the template's file name
	Template string // the template file
	Resource string // logical id; "" when the rule failed on the template as a whole
	Message  string // what the control requires
	Fix      string // how to comply
}

func (f Failure) String() string {
	s := fmt.Sprintf("%s %s: %s (%s)", f.Stack, f.Resource, f.Rule, f.Control)
	if f.Fix != "" {
		s += "\n      fix: " + f.Fix
	}
	return s
}

// Report is the result of RunGuard.
type Report struct {
	Templates []string
	Failures  []Failure // not exempted
	Exempted  []Failure
	// Used counts, per exemption (by index), the failures it accepted.
	Used []int
}

// Unused lists the exemptions that accepted nothing.
func (r Report) Unused(ex Exemptions) Exemptions {
	var out Exemptions
	for i, n := range r.Used {
		if n == 0 {
			out = append(out, ex[i])
		}
	}
	return out
}

// RunGuard validates every template in the cloud assembly cdkOut against the Control Tower
// rules with cfn-guard, and splits the failures into exempted and not.
func RunGuard(cdkOut string, exemptions Exemptions) (Report, error) {
	templates, err := filepath.Glob(filepath.Join(cdkOut, "*.template.json"))
	if err != nil {
		return Report{}, err
	}
	if len(templates) == 0 {
		return Report{}, fmt.Errorf("no *.template.json in %s; synthesize first (make synth)", cdkOut)
	}
	sort.Strings(templates)
	bin, rules, err := GuardPaths(cdkOut)
	if err != nil {
		return Report{}, err
	}
	failures, err := guard(bin, rules, templates)
	if err != nil {
		return Report{}, err
	}
	r := Filter(failures, exemptions)
	r.Templates = templates
	return r, nil
}

// Filter splits failures into those exemptions accept and the rest.
func Filter(failures []Failure, exemptions Exemptions) Report {
	r := Report{Used: make([]int, len(exemptions))}
	for _, f := range failures {
		exempt := false
		for i, e := range exemptions {
			if e.Matches(f) {
				r.Used[i]++
				exempt = true
			}
		}
		if exempt {
			r.Exempted = append(r.Exempted, f)
		} else {
			r.Failures = append(r.Failures, f)
		}
	}
	return r
}

// GuardPaths returns the cfn-guard binary and the Control Tower rules folder of GuardPackage,
// found in the working directory, next to cdkOut, or in a folder above either.
func GuardPaths(cdkOut string) (bin, rules string, err error) {
	platform := map[string]string{"linux": "ubuntu", "darwin": "macos"}[runtime.GOOS]
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	if platform == "" || arch == "" {
		return "", "", fmt.Errorf("cfn-guard: %s/%s is not supported by %s", runtime.GOOS, runtime.GOARCH, GuardPackage)
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if abs, err := filepath.Abs(cdkOut); err == nil {
		starts = append(starts, abs)
	}
	for _, dir := range starts {
		for {
			pkg := filepath.Join(dir, GuardPackage)
			if _, err := os.Stat(pkg); err == nil {
				return filepath.Join(pkg, "bin", platform, arch, "cfn-guard"), filepath.Join(pkg, "rules", "control-tower", "cfn-guard"), nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", "", fmt.Errorf("cfn-guard: %s not found above %s; run make setup", GuardPackage, strings.Join(starts, " or "))
}

// guard runs cfn-guard over templates, in as many processes as there are CPUs.
func guard(bin, rules string, templates []string) ([]Failure, error) {
	n := min(runtime.NumCPU(), len(templates))
	chunks := make([][]string, n)
	for i, t := range templates {
		chunks[i%n] = append(chunks[i%n], t)
	}
	results := make([][]Failure, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = guardOnce(bin, rules, chunks[i])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []Failure
	for _, r := range results {
		out = append(out, r...)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Stack != b.Stack {
			return a.Stack < b.Stack
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Rule < b.Rule
	})
	return out, nil
}

// guardFailedExit is cfn-guard's exit status when a rule fails (0 when all pass).
const guardFailedExit = 19

func guardOnce(bin, rules string, templates []string) ([]Failure, error) {
	args := []string{"validate", "--rules", rules}
	for _, t := range templates {
		args = append(args, "--data", t)
	}
	// --structured: one JSON list instead of a stream of documents.
	args = append(args, "--output-format", "json", "--show-summary", "none", "--structured")
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == guardFailedExit) {
		return nil, fmt.Errorf("cfn-guard: %w\n%s", err, strings.TrimSpace(stderr.String()))
	}
	return parseGuard(stdout.Bytes())
}

var (
	controlRE = regexp.MustCompile(`\[(CT\.[A-Z0-9_.]+)\]:\s*(.*)`)
	fixRE     = regexp.MustCompile(`\[FIX\]:\s*(.*)`)
)

// parseGuard reads cfn-guard's structured JSON: per template, the rules not compliant, each
// with nested checks whose paths (/Resources/<logical id>/...) name the failing resources.
func parseGuard(out []byte) ([]Failure, error) {
	var files []struct {
		Name         string `json:"name"`
		NotCompliant []any  `json:"not_compliant"`
	}
	if err := json.Unmarshal(out, &files); err != nil {
		return nil, fmt.Errorf("cfn-guard output: %w", err)
	}
	var failures []Failure
	for _, file := range files {
		stack := strings.TrimSuffix(filepath.Base(file.Name), ".template.json")
		for _, nc := range file.NotCompliant {
			rule, _ := dig(nc, "Rule", "name").(string)
			if rule == "" {
				return nil, fmt.Errorf("cfn-guard output: a failure in %s has no rule name", file.Name)
			}
			var control, message, fix string
			resources := map[string]bool{}
			walk(nc, func(key string, v any) {
				s, ok := v.(string)
				if !ok {
					return
				}
				switch key {
				case "custom_message":
					if m := controlRE.FindStringSubmatch(s); m != nil && control == "" {
						control, message = m[1], strings.TrimSpace(m[2])
					}
					if m := fixRE.FindStringSubmatch(s); m != nil && fix == "" {
						fix = strings.TrimSpace(m[1])
					}
				case "path":
					if parts := strings.Split(s, "/"); len(parts) > 2 && parts[1] == "Resources" {
						resources[parts[2]] = true
					}
				}
			})
			if len(resources) == 0 {
				resources[""] = true
			}
			for res := range resources {
				failures = append(failures, Failure{Rule: rule, Control: control, Stack: stack, Template: file.Name,
					Resource: res, Message: message, Fix: fix})
			}
		}
	}
	return failures, nil
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func walk(v any, fn func(key string, v any)) {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			fn(k, c)
			walk(c, fn)
		}
	case []any:
		for _, c := range t {
			walk(c, fn)
		}
	}
}
