// Package cdktest builds CDK apps and stacks for tests with the same context (feature flags)
// as cdk.json, so a test sees the template `cdk synth` produces.
package cdktest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

func init() {
	// Unit tests assert on templates; the built-in CloudFormation validator (most of the synth
	// time) runs in `make synth` and CI instead. Set CDK_VALIDATION=true to run it here too.
	// The jsii kernel is a child process started on the first CDK call and inherits this.
	if _, ok := os.LookupEnv("CDK_VALIDATION"); !ok {
		os.Setenv("CDK_VALIDATION", "false")
	}
}

var (
	ctxOnce sync.Once
	ctx     map[string]any
	root    string
)

// Root returns the repository root (the folder holding go.mod).
func Root() string {
	ctxOnce.Do(load)
	return root
}

// Context returns the "context" object of cdk.json.
func Context() map[string]any {
	ctxOnce.Do(load)
	out := make(map[string]any, len(ctx))
	for k, v := range ctx {
		out[k] = v
	}
	return out
}

func load() {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("cdktest: go.mod not found above the working directory")
		}
		dir = parent
	}
	root = dir
	data, err := os.ReadFile(filepath.Join(dir, "cdk.json"))
	if err != nil {
		panic(err)
	}
	var cfg struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		panic(err)
	}
	ctx = cfg.Context
}

// App returns a new App with cdk.json's context, synthesizing into a temporary folder.
func App() awscdk.App {
	c := Context()
	return awscdk.NewApp(&awscdk.AppProps{Context: &c, AnalyticsReporting: jsii.Bool(false)})
}

// Stack returns a bare stack in a fixed account and region, in a new App.
func Stack() awscdk.Stack {
	return StackIn("123456789012", "eu-west-1")
}

// StackIn returns a bare stack in account and region, in a new App.
func StackIn(account, region string) awscdk.Stack {
	return awscdk.NewStack(App(), jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)},
	})
}

// Template synthesizes stack and returns its template for assertions.
func Template(stack awscdk.Stack) assertions.Template {
	return assertions.Template_FromStack(stack, nil)
}

// JSON returns the synthesized template of stack as a generic value.
func JSON(stack awscdk.Stack) map[string]any {
	return *Template(stack).ToJSON()
}

// Resources returns the resources of the given CloudFormation type in stack's template, by
// logical id.
func Resources(stack awscdk.Stack, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := JSON(stack)["Resources"].(map[string]any)
	for id, r := range res {
		m := r.(map[string]any)
		if m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// MustPanic runs f and fails the test unless it panics with a message containing want: the
// constructs fail early, with a panic that names the value and the fix.
func MustPanic(t testing.TB, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatalf("no panic; want one mentioning %q", want)
		}
		if msg := fmt.Sprint(r); !strings.Contains(msg, want) {
			t.Fatalf("panic %q; want it to mention %q", msg, want)
		}
	}()
	f()
}

// SameSet reports whether a and b hold the same strings, as many times each, in any order.
func SameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}
