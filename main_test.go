package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// TestShardedSynth_matchesOneProcess synthesizes the example fleet with two worker processes
// and with one, and requires byte-identical templates and the same manifest artifacts: the
// merge must be invisible to the CDK CLI and to reviewers.
func TestShardedSynth_matchesOneProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the app twice")
	}
	bin := filepath.Join(t.TempDir(), "fleet-app")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var cfg struct {
		Context map[string]any `json:"context"`
	}
	data, _ := os.ReadFile("cdk.json")
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	ctx, _ := json.Marshal(cfg.Context)
	synth := func(shards string) string {
		out := t.TempDir()
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "CDK_OUTDIR="+out, "CDK_CONTEXT_JSON="+string(ctx), "FLEET_SHARDS="+shards, "CDK_VALIDATION=false")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("synth with %s worker(s): %v\n%s", shards, err, b)
		}
		return out
	}
	one, two := synth("1"), synth("2")
	templates, _ := filepath.Glob(filepath.Join(one, "*.template.json"))
	if len(templates) < 10 {
		t.Fatalf("only %d templates", len(templates))
	}
	for _, a := range templates {
		b := filepath.Join(two, filepath.Base(a))
		da, _ := os.ReadFile(a)
		db, err := os.ReadFile(b)
		if err != nil || string(da) != string(db) {
			t.Errorf("%s differs between one and two workers", filepath.Base(a))
		}
	}
	manifest := func(dir string) any {
		var m map[string]any
		data, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
		json.Unmarshal(data, &m)
		return m["artifacts"]
	}
	if !reflect.DeepEqual(manifest(one), manifest(two)) {
		t.Error("manifest artifacts differ between one and two workers")
	}
	for _, f := range []string{"fleet-waves.json"} {
		a, err1 := os.ReadFile(filepath.Join(one, f))
		b, err2 := os.ReadFile(filepath.Join(two, f))
		if err1 != nil || err2 != nil || string(a) != string(b) {
			t.Errorf("%s missing or different between one and two workers (%v %v)", f, err1, err2)
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(two, ".worker-*")); len(leftovers) > 0 {
		t.Errorf("worker folders left behind: %v", leftovers)
	}
}
