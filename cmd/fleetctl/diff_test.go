package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fleetcdk/fleet/config"
)

// TestDiff_changeSummary builds a throwaway git repository from this one with four commits (the
// example fleet; a new pool tenant; a bigger silo service; a cell CIDR change), synthesizes each
// commit once and checks the change summary of every consecutive pair. It is slow (four synths),
// so it is one test with subtests sharing the assemblies, and skipped under -short.
func TestDiff_changeSummary(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes the example fleet four times; run without -short")
	}
	ctx := context.Background()
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	if !fileExists(filepath.Join(root, "node_modules", "@aws-cdk", "cloudformation-diff")) {
		t.Fatal("@aws-cdk/cloudformation-diff is not installed: run `make setup`")
	}
	repo := t.TempDir()
	copyRepoFiles(t, root, repo)
	runGit(t, repo, "init", "-q", "-b", "main")
	commitAll(t, repo, "example fleet")

	const newTenant = "zenith-care"
	writeFile(t, filepath.Join(repo, "tenants", newTenant+".yaml"), `# yaml-language-server: $schema=./schema.json
id: zenith-care
name: Zenith Care
tier: pool
environments: [staging, production]
domains: [zenith.adhere.example.com]
contacts:
  - {name: Test Contact, email: ops@zenith.example, role: technical}
`)
	if fileExists(filepath.Join(repo, config.LockFile)) {
		m, err := config.Load(repo)
		if err != nil {
			t.Fatalf("the fleet with %s does not load: %v", newTenant, err)
		}
		if err := m.WriteLock(); err != nil {
			t.Fatal(err)
		}
	}
	commitAll(t, repo, "onboard zenith-care (pool)")

	editFile(t, filepath.Join(repo, "tenants", "acme-health.yaml"), "desiredCount: 3", "desiredCount: 4")
	commitAll(t, repo, "acme-health: one more doctor-api task")

	editFile(t, filepath.Join(repo, "fleet.yaml"), "cidr: 10.10.0.0/16", "cidr: 10.11.0.0/16")
	commitAll(t, repo, "stg-euw1-a: new CIDR")

	// Synthesize every commit once, two at a time (the machine has two cores).
	const commits = 4
	trees := make([]string, commits)
	asms := make([]string, commits)
	errs := make([]error, commits)
	took := make([]time.Duration, commits)
	work := t.TempDir()
	start := time.Now()
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i := range commits {
		rev := "HEAD~" + string(rune('0'+commits-1-i))
		trees[i] = filepath.Join(work, rev+"-src")
		asms[i] = filepath.Join(work, rev+"-out")
		wg.Add(1)
		go func(i int, rev string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t0 := time.Now()
			if err := materialize(ctx, repo, rev, trees[i]); err != nil {
				errs[i] = err
				return
			}
			errs[i] = synthesize(ctx, root, trees[i], trees[i], asms[i], filepath.Join(work, rev+"-app"))
			took[i] = time.Since(t0)
		}(i, rev)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("commit %d: %v", i+1, err)
		}
	}
	t.Logf("synthesized %d commits in %s (each: %v)", commits, time.Since(start).Round(100*time.Millisecond), took)

	summaries := make([]*changeSummary, commits)
	for i := 1; i < commits; i++ {
		t0 := time.Now()
		s, err := diffAssemblies(ctx, root, asms[i-1], asms[i], environmentNames(trees[i]))
		if err != nil {
			t.Fatalf("diff commit %d -> %d: %v", i, i+1, err)
		}
		summaries[i] = s
		t.Logf("diff commit %d -> %d: %d stacks in %s", i, i+1, len(s.Stacks), time.Since(t0).Round(10*time.Millisecond))
	}

	t.Run("new pool tenant adds its stacks and changes only the edges of its cells", func(t *testing.T) {
		s := summaries[1]
		m, err := config.Load(trees[1])
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		for _, d := range m.Deployments() {
			if d.Tenant.ID != newTenant {
				continue
			}
			want[d.StackName()] = "added"
			if d.Cell == nil {
				t.Fatalf("%s: a pool tenant without a cell", d.StackName())
			}
			want["cell-"+d.Cell.ID+"-edge"] = "changed"
		}
		if len(want) != 4 {
			t.Fatalf("want 2 tenant stacks and 2 edge stacks, got %v", want)
		}
		assertStacks(t, s, want)
		for name, status := range want {
			st := s.stack(name)
			if status == "added" {
				if st.Tenant != newTenant || len(st.Resources) == 0 {
					t.Errorf("%s: tenant %q, %d resources; want tenant %s and resources", name, st.Tenant, len(st.Resources), newTenant)
				}
				continue
			}
			if !hasChange(st, "AWS::WAFv2::WebACL", "") {
				t.Errorf("%s: no web ACL change (the tenant's rate rule): %+v", name, st.Resources)
			}
			if !hasChange(st, "AWS::CloudFront::Distribution", "") {
				t.Errorf("%s: no distribution change (the tenant's alias): %+v", name, st.Resources)
			}
		}
		if s.Hazards != 0 {
			t.Errorf("hazards = %d, want 0:\n%s", s.Hazards, renderText(s))
		}
	})

	t.Run("silo service size changes only the tenant's stacks, in place", func(t *testing.T) {
		s := summaries[2]
		assertStacks(t, s, map[string]string{
			"tenant-acme-health-production": "changed",
			"tenant-acme-health-staging":    "changed",
		})
		for _, name := range []string{"tenant-acme-health-production", "tenant-acme-health-staging"} {
			st := s.stack(name)
			if st.Tenant != "acme-health" {
				t.Errorf("%s: tenant %q, want acme-health", name, st.Tenant)
			}
			if !hasChange(st, "AWS::ECS::Service", "DesiredCount") {
				t.Errorf("%s: no ECS service DesiredCount change: %+v", name, st.Resources)
			}
			for _, r := range st.Resources {
				if r.Change != "modified" || r.Impact == impactReplace || r.Impact == impactMayReplace {
					t.Errorf("%s: %s %s is %s (%s); want an in-place update", name, r.Type, r.LogicalID, r.Change, r.Impact)
				}
			}
		}
		if s.Hazards != 0 {
			t.Errorf("hazards = %d, want 0:\n%s", s.Hazards, renderText(s))
		}
	})

	t.Run("cell CIDR change flags the VPC and subnet replacement", func(t *testing.T) {
		s := summaries[3]
		st := s.stack("cell-stg-euw1-a")
		if st == nil || st.Status != "changed" {
			t.Fatalf("cell-stg-euw1-a not changed:\n%s", renderText(s))
		}
		replaced := map[string]int{}
		for _, r := range st.Resources {
			if r.Hazard == "replaces" {
				replaced[r.Type]++
			}
		}
		if replaced["AWS::EC2::VPC"] != 1 || replaced["AWS::EC2::Subnet"] == 0 {
			t.Errorf("replaced stateful resources = %v; want the VPC and its subnets", replaced)
		}
		if s.Hazards < 1+replaced["AWS::EC2::Subnet"] {
			t.Errorf("hazards = %d, want at least the VPC and subnets", s.Hazards)
		}
		for _, st := range s.Stacks {
			if st.Status != "unchanged" && !strings.HasPrefix(st.Environment, "aws://222222222222/") {
				t.Errorf("%s (%s) %s: a staging cell change touched another account", st.Stack, st.Environment, st.Status)
			}
		}
	})

	t.Run("rendering and --fail-on-replace", func(t *testing.T) {
		dir := t.TempDir()
		md, js := filepath.Join(dir, "summary.md"), filepath.Join(dir, "summary.json")
		var stdout bytes.Buffer
		code, err := runDiff(ctx, ".", []string{"--base-assembly", asms[2], "--head-assembly", asms[3],
			"--markdown", md, "--json", js, "--fail-on-replace"}, &stdout, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if code != exitReplaces {
			t.Errorf("exit code = %d, want %d", code, exitReplaces)
		}
		text := stdout.String()
		for _, want := range []string{"stateful resource(s) will be replaced or deleted", "shared stack cell-stg-euw1-a", "AWS::EC2::VPC", "⚠ REPLACES"} {
			if !strings.Contains(text, want) {
				t.Errorf("text output lacks %q:\n%s", want, text)
			}
		}
		if first := strings.SplitN(text, "\n", 3)[1]; !strings.HasPrefix(first, "⚠ ") {
			t.Errorf("second line %q is not the loud summary line", first)
		}
		mdText := readFile(t, md)
		for _, want := range []string{commentMarker, "> [!CAUTION]", "### shared stack cell-stg-euw1-a", "**⚠ REPLACES**", "`AWS::EC2::VPC`"} {
			if !strings.Contains(mdText, want) {
				t.Errorf("markdown lacks %q", want)
			}
		}
		var fromJSON changeSummary
		if err := json.Unmarshal([]byte(readFile(t, js)), &fromJSON); err != nil {
			t.Fatal(err)
		}
		if fromJSON.Hazards != summaries[3].Hazards || fromJSON.Base != asms[2] {
			t.Errorf("json: hazards %d base %q; want %d %q", fromJSON.Hazards, fromJSON.Base, summaries[3].Hazards, asms[2])
		}

		// No stateful change: exit 0 even with --fail-on-replace, and cmdDiff never exits.
		exited := -1
		diffExit = func(code int) { exited = code }
		defer func() { diffExit = os.Exit }()
		stdout.Reset()
		if err := cmdDiff(".", []string{"--base-assembly", asms[1], "--head-assembly", asms[2], "--markdown", "-", "--fail-on-replace"}, &stdout); err != nil {
			t.Fatal(err)
		}
		if exited != -1 {
			t.Errorf("cmdDiff exited with %d, want no exit", exited)
		}
		if out := stdout.String(); !strings.HasPrefix(out, commentMarker) || !strings.Contains(out, "### tenant acme-health") || !strings.Contains(out, "✓ 0 stateful resource(s)") {
			t.Errorf("--markdown - output:\n%s", out)
		}
		if err := cmdDiff(".", []string{"--base-assembly", asms[2], "--head-assembly", asms[3], "--fail-on-replace"}, io.Discard); err != nil {
			t.Fatal(err)
		}
		if exited != exitReplaces {
			t.Errorf("cmdDiff exit = %d, want %d", exited, exitReplaces)
		}
	})

	t.Run("default base is the merge-base with main, else HEAD", func(t *testing.T) {
		head := runGit(t, repo, "rev-parse", "HEAD")
		sha, label, err := resolveBase(ctx, repo, "")
		if err != nil || sha != head || !strings.Contains(label, "main") {
			t.Errorf("resolveBase = %s, %q, %v; want %s and a label naming main", sha, label, err, head)
		}
		runGit(t, repo, "branch", "-m", "main", "trunk")
		defer runGit(t, repo, "branch", "-m", "trunk", "main")
		sha, label, err = resolveBase(ctx, repo, "")
		if err != nil || sha != head || !strings.HasPrefix(label, "HEAD") {
			t.Errorf("without main: resolveBase = %s, %q, %v; want HEAD", sha, label, err)
		}
		if _, _, err := resolveBase(ctx, repo, "no-such-branch"); err == nil {
			t.Error("an unknown revision resolved")
		}
	})
}

func TestHazardOf(t *testing.T) {
	for _, tc := range []struct {
		r    resourceChange
		want string
	}{
		{resourceChange{Type: "AWS::EC2::VPC", Change: "modified", Impact: "WILL_REPLACE"}, "replaces"},
		{resourceChange{Type: "AWS::DynamoDB::Table", Change: "modified", Impact: "MAY_REPLACE"}, "may-replace"},
		{resourceChange{Type: "AWS::DynamoDB::Table", Change: "modified", Impact: "WILL_UPDATE"}, ""},
		{resourceChange{Type: "AWS::S3::Bucket", Change: "removed", Impact: "WILL_DESTROY"}, "deletes"},
		{resourceChange{Type: "AWS::KMS::Key", Change: "removed", Impact: "WILL_ORPHAN"}, "orphans"},
		{resourceChange{Type: "AWS::Route53::RecordSet", Change: "added", Impact: "WILL_CREATE"}, ""},
		{resourceChange{Type: "AWS::ECS::Service", Change: "modified", Impact: "WILL_REPLACE"}, ""},
		{resourceChange{Type: "AWS::ECS::TaskDefinition", Change: "removed", Impact: "WILL_DESTROY"}, ""},
	} {
		if got := hazardOf(tc.r); got != tc.want {
			t.Errorf("hazardOf(%s %s %s) = %q, want %q", tc.r.Type, tc.r.Change, tc.r.Impact, got, tc.want)
		}
	}
}

// assertStacks checks that exactly the stacks in want changed, with those statuses.
func assertStacks(t *testing.T, s *changeSummary, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, st := range s.Stacks {
		if st.Status != "unchanged" {
			got[st.Stack] = st.Status
		}
	}
	var problems []string
	for name, status := range want {
		if got[name] != status {
			problems = append(problems, name+": "+orNone(got[name])+", want "+status)
		}
	}
	for name, status := range got {
		if _, ok := want[name]; !ok {
			problems = append(problems, name+": "+status+", want unchanged")
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("stacks:\n  %s\n\n%s", strings.Join(problems, "\n  "), renderText(s))
	}
}

func orNone(s string) string {
	if s == "" {
		return "unchanged"
	}
	return s
}

// hasChange reports whether st modifies a resource of type typ (and, if set, its property prop).
func hasChange(st *stackChange, typ, prop string) bool {
	for _, r := range st.Resources {
		if r.Type != typ || r.Change != "modified" {
			continue
		}
		if prop == "" {
			return true
		}
		for _, p := range r.Properties {
			if p.Name == prop {
				return true
			}
		}
	}
	return false
}

// copyRepoFiles copies the files git knows of (tracked, and untracked but not ignored: work in
// progress of this checkout) from root to dst.
func copyRepoFiles(t *testing.T, root, dst string) {
	t.Helper()
	list := runGit(t, root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	for _, name := range strings.Split(list, "\x00") {
		if name == "" {
			continue
		}
		src := filepath.Join(root, name)
		fi, err := os.Lstat(src)
		if err != nil {
			continue // deleted in the working tree
		}
		to := filepath.Join(dst, name)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			link, err := os.Readlink(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(link, to); err != nil {
				t.Fatal(err)
			}
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(to, data, fi.Mode().Perm()); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func runGit(t *testing.T, repo string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=fleet test", "-c", "user.email=test@example.com",
		"-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func commitAll(t *testing.T, repo, msg string) {
	t.Helper()
	runGit(t, repo, "add", "-A")
	runGit(t, repo, "commit", "-q", "-m", msg)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	s := readFile(t, path)
	if strings.Count(s, old) != 1 {
		t.Fatalf("%s: want exactly one %q to edit", path, old)
	}
	writeFile(t, path, strings.Replace(s, old, new, 1))
}
