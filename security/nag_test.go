package security_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/internal/cdktest"
	"github.com/fleetcdk/fleet/security"
	"github.com/fleetcdk/fleet/stacks"
)

// TestNag_exampleFleetHasNoUnsuppressedErrors synthesizes every stack of the example fleet with
// the cdk-nag packs and fails on each error-level finding that is neither fixed nor suppressed
// next to its construct.
func TestNag_exampleFleetHasNoUnsuppressedErrors(t *testing.T) {
	start := time.Now()
	m, err := config.Load(cdktest.Root())
	if err != nil {
		t.Fatalf("example fleet: %v", err)
	}
	app := newApp(t)
	if _, err := stacks.Build(app, m, stacks.Selection{}); err != nil {
		t.Fatal(err)
	}
	findings := nagErrors(t, app)
	t.Logf("cdk-nag (%s) over the example fleet: %d unsuppressed errors in %s",
		strings.Join(security.NagPacks, ", "), len(findings), time.Since(start).Round(time.Second))
	if len(findings) == 0 {
		return
	}
	byRule := map[string]int{}
	lines := make([]string, 0, len(findings))
	for _, f := range findings {
		byRule[f.Rule]++
		lines = append(lines, "  "+f.String())
	}
	rules := make([]string, 0, len(byRule))
	for r, n := range byRule {
		rules = append(rules, fmt.Sprintf("%s×%d", r, n))
	}
	sort.Strings(rules)
	t.Errorf("%d unsuppressed cdk-nag errors; fix the construct, or suppress the rule next to it with "+
		"cdknag.NagSuppressions_AddResourceSuppressions and a reason a reviewer accepts:\n%s\nby rule: %s",
		len(findings), strings.Join(lines, "\n"), strings.Join(rules, " "))
}
