package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetcdk/fleet/config"
)

// exampleCopy copies the repository's fleet (fleet.yaml, lock, tenants) into a temporary folder
// and points FLEET_DIR at it.
func exampleCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "tenants"), 0o755)
	for _, f := range []string{"fleet.yaml", "fleet.lock.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	paths, _ := filepath.Glob(filepath.Join("..", "..", "tenants", "*.yaml"))
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		os.WriteFile(filepath.Join(dir, "tenants", filepath.Base(p)), data, 0o644)
	}
	t.Setenv(config.DirEnv, dir)
	return dir
}

func fleetctl(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestValidate_okOnTheExampleFleet(t *testing.T) {
	exampleCopy(t)
	code, out, errs := fleetctl("validate")
	if code != 0 || !strings.HasPrefix(out, "ok: 5 tenants") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "notice: orbit-care (production) waits for its requested account") {
		t.Errorf("no notice for the requested account:\n%s", out)
	}
}

func TestValidate_exitsOneWithLocatedErrors(t *testing.T) {
	dir := exampleCopy(t)
	os.WriteFile(filepath.Join(dir, "tenants", "broken.yaml"), []byte("id: broken\nname: B\ntier: shard\nenvironments: [staging]\ndomains: [broken.adhere.example.com]\n"), 0o644)
	code, _, errs := fleetctl("validate")
	if code != 1 || !strings.Contains(errs, "tenants/broken.yaml:3:7: tier must be one of pool, silo, dedicated") || !strings.Contains(errs, "nothing was synthesized") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}

func TestValidate_rejectsAStaleLock(t *testing.T) {
	dir := exampleCopy(t)
	os.WriteFile(filepath.Join(dir, "tenants", "late.yaml"), []byte("id: late\nname: Late\ntier: pool\nenvironments: [staging]\ndomains: [late.adhere.example.com]\n"), 0o644)
	code, _, errs := fleetctl("validate")
	if code != 1 || !strings.Contains(errs, "fleet.lock.json is stale: run `make lock`") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}

func TestNew_scaffoldsAValidTenantAndPrintsPartnerRecords(t *testing.T) {
	dir := exampleCopy(t)
	code, out, errs := fleetctl("new", "globex", "--tier", "silo", "--custom-domain", "app.globex.example")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if _, err := config.Load(dir); err != nil {
		t.Fatalf("the scaffold does not validate: %v", err)
	}
	for _, want := range []string{"make check", "make diff", "app.globex.example  CNAME  globex.custom.cells.adhere.example.com", "tenant-globex-production-edge"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := fleetctl("validate"); code != 0 {
		t.Error("new must leave the lock file current")
	}
}

func TestNew_leavesNothingBehindWhenTheTenantDoesNotValidate(t *testing.T) {
	dir := exampleCopy(t)
	code, _, errs := fleetctl("new", "Bad_Id", "--tier", "pool")
	if code != 1 || !strings.Contains(errs, "was not written") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "tenants", "Bad_Id.yaml")); !os.IsNotExist(err) {
		t.Error("the invalid scaffold was left behind")
	}
}

func TestNew_refusesAnExistingTenant(t *testing.T) {
	exampleCopy(t)
	if code, _, errs := fleetctl("new", "acme-health", "--tier", "pool"); code != 1 || !strings.Contains(errs, "already exists") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}

func TestList_showsTierPlacementAndHosts(t *testing.T) {
	exampleCopy(t)
	code, out, _ := fleetctl("list")
	if code != 0 {
		t.Fatal(out)
	}
	for _, want := range []string{"acme-health       silo       staging      stg-euw1-a", "orbit-care        dedicated  production   (account requested)"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
}
