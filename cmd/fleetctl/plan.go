package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fleetcdk/fleet/config"
	"github.com/fleetcdk/fleet/internal/plan"
)

// cmdPlan prints the capacity plan of the fleet in dir and, with --html, writes the page. It
// fails when a quota of a cell is over its limit.
func cmdPlan(dir string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	htmlPath := fs.String("html", "", "also write the plan as a self-contained HTML page to this file")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return errors.New("usage: fleetctl plan [--html FILE]")
	}
	m, err := config.Load(dir)
	if err != nil {
		return err
	}
	p := plan.Build(m)
	if err := p.WriteText(stdout); err != nil {
		return err
	}
	if *htmlPath != "" {
		var buf bytes.Buffer
		if err := p.WriteHTML(&buf); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(*htmlPath), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(*htmlPath, buf.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *htmlPath)
	}
	if p.Failures > 0 {
		return fmt.Errorf("%d quota(s) over their limit", p.Failures)
	}
	return nil
}
