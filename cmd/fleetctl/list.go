package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/fleetcdk/fleet/config"
)

func cmdList(dir string, stdout io.Writer) error {
	m, err := config.Load(dir)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TENANT\tTIER\tENVIRONMENT\tCELL/ACCOUNT\tREGION\tWAVE\tHOSTS")
	for _, d := range m.Deployments() {
		where := d.Account
		switch {
		case d.Cell != nil:
			where = d.Cell.ID
		case d.Pending:
			where = "(account requested)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Tenant.ID, d.Tenant.Tier, d.Env.Name, where, d.Region, d.Tenant.Wave, strings.Join(d.Hosts, ","))
	}
	return w.Flush()
}
