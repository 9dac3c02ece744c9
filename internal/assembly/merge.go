// Package assembly merges cloud assemblies that worker processes synthesized from disjoint sets
// of stacks into one, as if one process had synthesized them all: the CDK CLI reads the result
// like any other cdk.out.
package assembly

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

// Merge moves the content of each part folder into out and writes one manifest.json, tree.json
// and validation-report.json. deps adds stack dependencies that crossed parts (a stack and a
// stack it depends on built by different workers). Parts are removed afterwards.
func Merge(out string, parts []string, deps map[string][]string) error {
	var manifest map[string]any
	artifacts := map[string]any{}
	treeChildren := map[string]any{}
	var tree map[string]any
	var reports []any
	var report map[string]any
	for _, part := range parts {
		m, err := readJSON(filepath.Join(part, "manifest.json"))
		if err != nil {
			return err
		}
		if manifest == nil {
			manifest = m
		}
		for id, a := range m["artifacts"].(map[string]any) {
			if have, dup := artifacts[id]; dup {
				// The tree artifact (tree.json, merged below) is in every part; stacks never are.
				x, _ := json.Marshal(have)
				y, _ := json.Marshal(a)
				if !bytes.Equal(x, y) {
					return fmt.Errorf("assembly: artifact %s was synthesized by two workers", id)
				}
			}
			artifacts[id] = a
		}
		if t, err := readJSON(filepath.Join(part, "tree.json")); err == nil {
			if tree == nil {
				tree = t
			}
			if root, ok := t["tree"].(map[string]any); ok {
				for k, v := range asMap(root["children"]) {
					treeChildren[k] = v
				}
			}
		}
		if r, err := readJSON(filepath.Join(part, "validation-report.json")); err == nil {
			if report == nil {
				report = r
			}
			if pr, ok := r["pluginReports"].([]any); ok {
				reports = append(reports, pr...)
			}
		}
		entries, err := os.ReadDir(part)
		if err != nil {
			return err
		}
		for _, e := range entries {
			name := e.Name()
			if name == "manifest.json" || name == "tree.json" || name == "validation-report.json" {
				continue
			}
			if err := move(filepath.Join(part, name), filepath.Join(out, name)); err != nil {
				return err
			}
		}
	}
	for stack, on := range deps {
		a, ok := artifacts[stack].(map[string]any)
		if !ok {
			continue
		}
		have, _ := a["dependencies"].([]any)
		for _, d := range on {
			if _, built := artifacts[d]; built && !slices.Contains(have, any(d)) {
				have = append(have, d)
			}
		}
		sort.SliceStable(have, func(i, j int) bool { return fmt.Sprint(have[i]) < fmt.Sprint(have[j]) })
		a["dependencies"] = have
	}
	manifest["artifacts"] = artifacts
	if err := writeJSON(filepath.Join(out, "manifest.json"), manifest); err != nil {
		return err
	}
	if tree != nil {
		tree["tree"].(map[string]any)["children"] = treeChildren
		if err := writeJSON(filepath.Join(out, "tree.json"), tree); err != nil {
			return err
		}
	}
	if report != nil {
		if reports == nil {
			reports = []any{}
		}
		report["pluginReports"] = reports
		if err := writeJSON(filepath.Join(out, "validation-report.json"), report); err != nil {
			return err
		}
	}
	for _, part := range parts {
		os.RemoveAll(part)
	}
	return nil
}

// move renames from to to; an existing identical file or folder (the same asset built by two
// workers) is kept, a different one is an error.
func move(from, to string) error {
	if _, err := os.Stat(to); err == nil {
		if same(from, to) {
			return os.RemoveAll(from)
		}
		return fmt.Errorf("assembly: two workers wrote different %s", filepath.Base(to))
	}
	return os.Rename(from, to)
}

func same(a, b string) bool {
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	if err1 != nil || err2 != nil || ia.IsDir() != ib.IsDir() {
		return false
	}
	if ia.IsDir() {
		return true // asset folders are named by the hash of their content
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	return bytes.Equal(da, db)
}

func readJSON(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
