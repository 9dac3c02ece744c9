package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The GitHub workflows run Makefile targets only (plus checkout, toolchain setup, the PR comment
// and the artifact upload), so CI does what an engineer does locally. This test keeps them honest:
// well-formed, pinned actions, and every `make <target>` defined in the Makefile.

type ghWorkflow struct {
	Name string           `yaml:"name"`
	On   map[string]any   `yaml:"on"`
	Jobs map[string]ghJob `yaml:"jobs"`
}

type ghJob struct {
	RunsOn string   `yaml:"runs-on"`
	Steps  []ghStep `yaml:"steps"`
}

type ghStep struct {
	Name string         `yaml:"name"`
	Uses string         `yaml:"uses"`
	Run  string         `yaml:"run"`
	With map[string]any `yaml:"with"`
}

// allowedActions are the only actions a workflow may use; each pinned to a version tag.
var allowedActions = map[string]bool{
	"actions/checkout":                       true,
	"actions/setup-go":                       true,
	"actions/setup-node":                     true,
	"actions/upload-artifact":                true,
	"actions/github-script":                  true,
	"marocchino/sticky-pull-request-comment": true,
}

var versionPin = regexp.MustCompile(`^v\d+(\.\d+){0,2}$|^[0-9a-f]{40}$`)

func TestWorkflows(t *testing.T) {
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	targets := makefileTargets(t, filepath.Join(root, "Makefile"))
	missing := map[string][]string{}

	for _, tc := range []struct {
		file    string
		trigger string
		// targets that must run, in this order
		want []string
	}{
		{"pull-request.yml", "pull_request", []string{"setup", "check", "diff"}},
		{"main.yml", "push", []string{"setup", "check"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(root, ".github", "workflows", tc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var wf ghWorkflow
			dec := yaml.NewDecoder(strings.NewReader(string(data)))
			if err := dec.Decode(&wf); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if wf.Name == "" {
				t.Errorf("%s: no name", tc.file)
			}
			if _, ok := wf.On[tc.trigger]; !ok || len(wf.On) != 1 {
				t.Errorf("%s: on = %v, want only %s", tc.file, sortedKeys(wf.On), tc.trigger)
			}
			if tc.trigger == "push" {
				trig, _ := wf.On["push"].(map[string]any)
				if b, _ := trig["branches"].([]any); len(b) != 1 || b[0] != "main" {
					t.Errorf("%s: push branches = %v, want [main]", tc.file, trig["branches"])
				}
			}
			if len(wf.Jobs) == 0 {
				t.Fatalf("%s: no jobs", tc.file)
			}
			var ran []string
			usesSeen := map[string]ghStep{}
			for id, job := range wf.Jobs {
				if job.RunsOn == "" || len(job.Steps) == 0 {
					t.Errorf("%s: job %s needs runs-on and steps", tc.file, id)
				}
				for i, st := range job.Steps {
					where := tc.file + ": job " + id + " step " + strconv.Itoa(i+1) + " (" + st.Name + ")"
					if (st.Uses == "") == (st.Run == "") {
						t.Errorf("%s: needs exactly one of uses and run", where)
						continue
					}
					if st.Uses != "" {
						action, ver, _ := strings.Cut(st.Uses, "@")
						if !allowedActions[action] {
							t.Errorf("%s: action %s is not allowed (checkout, setup, comment and upload only)", where, action)
						}
						if !versionPin.MatchString(ver) {
							t.Errorf("%s: %s is not pinned to a version", where, st.Uses)
						}
						usesSeen[action] = st
						continue
					}
					for _, line := range strings.Split(strings.TrimSpace(st.Run), "\n") {
						line = strings.TrimSpace(line)
						if line == "" || strings.HasPrefix(line, "#") {
							continue
						}
						tgts := makeTargets(line)
						if tgts == nil {
							t.Errorf("%s: %q is not a make command; workflows call Makefile targets only", where, line)
							continue
						}
						for _, tg := range tgts {
							ran = append(ran, tg)
							if !targets[tg] && !listHas(missing[tg], tc.file) {
								missing[tg] = append(missing[tg], tc.file)
							}
						}
					}
				}
			}
			if !inOrder(ran, tc.want) {
				t.Errorf("%s: runs make %v; want %v in this order", tc.file, ran, tc.want)
			}
			if co := usesSeen["actions/checkout"]; co.With["fetch-depth"] != 0 {
				t.Errorf("%s: checkout needs fetch-depth: 0 (the diff needs the base branch), got %v", tc.file, co.With["fetch-depth"])
			}
			if sg := usesSeen["actions/setup-go"]; sg.With["go-version-file"] != "go.mod" {
				t.Errorf("%s: setup-go must read the version from go.mod", tc.file)
			}
			if sn := usesSeen["actions/setup-node"]; sn.With["node-version"] != 20 {
				t.Errorf("%s: setup-node must install Node 20, got %v", tc.file, sn.With["node-version"])
			}
			if _, ok := usesSeen["actions/upload-artifact"]; !ok {
				t.Errorf("%s: does not upload cdk.out", tc.file)
			}
			if tc.trigger == "pull_request" {
				_, script := usesSeen["actions/github-script"]
				_, sticky := usesSeen["marocchino/sticky-pull-request-comment"]
				if !script && !sticky {
					t.Errorf("%s: does not comment the change summary", tc.file)
				}
			}
		})
	}

	if len(missing) > 0 {
		names := sortedKeys(missing)
		var lines []string
		for _, n := range names {
			lines = append(lines, "make "+n+" (run by "+strings.Join(missing[n], ", ")+")")
		}
		t.Errorf("the workflows run targets the Makefile does not define:\n  %s", strings.Join(lines, "\n  "))
	}
}

// makefileTargets returns the explicit targets (lines "name:" or "name: prerequisites").
func makefileTargets(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	re := regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9_.-]*)\s*:([^=]|$)`)
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			out[m[1]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no targets found", path)
	}
	return out
}

// makeTargets returns the targets of a "make [flags] [VAR=value] target..." line, nil when the
// line is not a make command.
func makeTargets(line string) []string {
	fields := strings.Fields(line)
	if len(fields) == 0 || fields[0] != "make" {
		return nil
	}
	out := []string{}
	for _, f := range fields[1:] {
		if strings.HasPrefix(f, "-") || strings.Contains(f, "=") {
			continue
		}
		out = append(out, f)
	}
	return out
}

func inOrder(ran, want []string) bool {
	i := 0
	for _, r := range ran {
		if i < len(want) && r == want[i] {
			i++
		}
	}
	return i == len(want)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func listHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
