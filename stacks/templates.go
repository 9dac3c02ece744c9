package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fleetcdk/fleet/limits"
)

// TemplateSize is one synthesized template's size.
type TemplateSize struct {
	Stack     string
	Resources int
	Bytes     int
}

// TemplateSizes reads every stack template of the cloud assembly in dir.
func TemplateSizes(dir string) ([]TemplateSize, error) {
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				TemplateFile string `json:"templateFile"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, err
	}
	var out []TemplateSize
	for id, a := range manifest.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		tpl, err := os.ReadFile(filepath.Join(dir, a.Properties.TemplateFile))
		if err != nil {
			return nil, err
		}
		var t struct {
			Resources map[string]json.RawMessage `json:"Resources"`
		}
		if err := json.Unmarshal(tpl, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", a.Properties.TemplateFile, err)
		}
		out = append(out, TemplateSize{Stack: id, Resources: len(t.Resources), Bytes: len(tpl)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stack < out[j].Stack })
	return out, nil
}

// CheckTemplates returns one message per template over a CloudFormation quota (resources per
// stack, template bytes), with what to do about it.
func CheckTemplates(dir string) ([]string, error) {
	sizes, err := TemplateSizes(dir)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, s := range sizes {
		fix := "split the stack"
		if strings.HasPrefix(s.Stack, "cell-") {
			fix = "move silo tenants of this cell to another cell (pin them with cells:) or add a cell"
		}
		if s.Resources > limits.StackResources.Max {
			problems = append(problems, fmt.Sprintf("%s: %d resources, over the %d %s (%s)", s.Stack, s.Resources, limits.StackResources.Max, limits.StackResources.Name, fix))
		}
		if s.Bytes > limits.TemplateBytes.Max {
			problems = append(problems, fmt.Sprintf("%s: %d bytes, over the %d %s (%s)", s.Stack, s.Bytes, limits.TemplateBytes.Max, limits.TemplateBytes.Name, fix))
		}
	}
	return problems, nil
}
