package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fleetcdk/fleet/config"
)

func cmdSchema(dir string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("schema", flag.ContinueOnError)
	check := fs.Bool("check", false, "fail if the committed schemas differ from the Go types")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files := map[string][]byte{config.FleetSchemaFile: config.FleetSchema(), config.TenantSchemaFile: config.TenantSchema()}
	for _, name := range []string{config.FleetSchemaFile, config.TenantSchemaFile} {
		path := filepath.Join(dir, name)
		if *check {
			have, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(have, files[name]) {
				return fmt.Errorf("%s is stale: run `make schema` and commit the result", path)
			}
			continue
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	if *check {
		fmt.Fprintln(stdout, "schemas are current")
	}
	return nil
}
