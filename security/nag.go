package security

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// NagPacks are the cdk-nag rule packs the fleet is held to.
var NagPacks = []string{"AwsSolutions", "HIPAA.Security", "NIST.800.53.R5"}

// ApplyNagPacks adds the cdk-nag packs of NagPacks to scope (an App or a Stack) as aspects. Their
// error-level findings become aws:cdk:error annotations at synth; read them with NagErrors.
func ApplyNagPacks(scope constructs.IConstruct) {
	props := func() *cdknag.NagPackProps {
		// Reports off: the findings are read from the cloud assembly, not from CSV files.
		return &cdknag.NagPackProps{Verbose: jsii.Bool(true), Reports: jsii.Bool(false)}
	}
	aspects := awscdk.Aspects_Of(scope)
	aspects.Add(cdknag.NewAwsSolutionsChecks(props()), nil)
	aspects.Add(cdknag.NewHIPAASecurityChecks(props()), nil)
	aspects.Add(cdknag.NewNIST80053R5Checks(props()), nil)
}

// Finding is one error-level annotation of a synthesized stack.
type Finding struct {
	Stack string // the stack artifact, such as cell-stg-euw1-a
	Path  string // the construct path, such as /cell-stg-euw1-a/Ingress/AccessLogs/Resource
	Rule  string // the rule id, such as AwsSolutions-S1; "" when the error is not a rule's
	// Finding is the finding id within the rule, such as Action::s3:* for IAM5; often "".
	Finding string
	Message string
}

func (f Finding) String() string {
	rule := f.Rule
	if f.Finding != "" {
		rule += "[" + f.Finding + "]"
	}
	return fmt.Sprintf("%s %s: %s", f.Path, rule, firstLine(f.Message))
}

// ruleRE reads "<rule>[<finding>]: <text>" (cdk-nag's annotation format).
var ruleRE = regexp.MustCompile(`^([^\s\[:]+)(?:\[(.*?)\])?: `)

// NagErrors returns the error-level annotations (aws:cdk:error metadata) of every stack in the
// cloud assembly in dir, sorted by stack, path and rule. Suppressed cdk-nag findings are not
// annotated as errors, so they do not appear.
func NagErrors(dir string) ([]Finding, error) {
	var manifest struct {
		Artifacts map[string]struct {
			Type                   string                     `json:"type"`
			Metadata               map[string][]metadataEntry `json:"metadata"`
			AdditionalMetadataFile string                     `json:"additionalMetadataFile"`
		} `json:"artifacts"`
	}
	if err := readJSON(filepath.Join(dir, "manifest.json"), &manifest); err != nil {
		return nil, err
	}
	var out []Finding
	for name, a := range manifest.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		meta := map[string][]metadataEntry{}
		for p, e := range a.Metadata {
			meta[p] = append(meta[p], e...)
		}
		if a.AdditionalMetadataFile != "" {
			var more map[string][]metadataEntry
			if err := readJSON(filepath.Join(dir, a.AdditionalMetadataFile), &more); err != nil {
				return nil, err
			}
			for p, e := range more {
				meta[p] = append(meta[p], e...)
			}
		}
		for p, entries := range meta {
			for _, e := range entries {
				if e.Type != "aws:cdk:error" {
					continue
				}
				msg := fmt.Sprint(e.Data)
				if s, ok := e.Data.(string); ok {
					msg = s
				}
				f := Finding{Stack: name, Path: p, Message: msg}
				if m := ruleRE.FindStringSubmatch(msg); m != nil {
					f.Rule, f.Finding = m[1], m[2]
				}
				out = append(out, f)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Stack != b.Stack {
			return a.Stack < b.Stack
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Finding < b.Finding
	})
	return out, nil
}

type metadataEntry struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read cloud assembly: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("read cloud assembly %s: %w", path, err)
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
