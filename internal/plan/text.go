package plan

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/fleetcdk/fleet/config"
)

// Marker is the status column of the text report: blank, WARN or FAIL.
func (s Status) Marker() string {
	switch s {
	case Warn:
		return "WARN"
	case Fail:
		return "FAIL"
	}
	return ""
}

// WriteText writes the plan as the terminal report of `fleetctl plan`.
func (p *Plan) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "capacity plan of %s: %d tenants, %d environments, %d cells; %d quota(s) at %d %% or more, %d over\n",
		p.Dir, p.Tenants, len(p.Environments), p.Cells, p.Warnings+p.Failures, WarnPercent, p.Failures)
	for _, e := range p.Environments {
		fmt.Fprintf(tw, "\n== %s (account %s, %s)\n", e.Name, e.Account, e.Region)
		if len(e.Cells) == 0 {
			fmt.Fprintln(tw, "no cells")
		}
		for _, c := range e.Cells {
			fmt.Fprintf(tw, "\ncell %s  %s %s  %d tenants: %d pool, %d silo  %s\n", c.ID, c.Account, c.Region,
				len(c.Tenants), c.Count(config.TierPool), c.Count(config.TierSilo), c.Status.Marker())
			for _, q := range c.Quotas {
				var top []string
				for _, s := range q.Top {
					top = append(top, fmt.Sprintf("%s %d", s.Tenant, s.Used))
				}
				fmt.Fprintf(tw, "  %s\t%s\t%d/%d\t%d%%\t%s\n", q.Status.Marker(), q.Name, q.Used, q.Limit, q.Percent(), strings.Join(top, ", "))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if len(e.Dedicated) > 0 {
			fmt.Fprintf(tw, "\ndedicated tenants in %s:\n", e.Name)
			fmt.Fprintln(tw, "  TENANT\tACCOUNT\tREGION\tHOSTS")
			for _, d := range e.Dedicated {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", d.ID, d.Account, d.Region, strings.Join(d.Hosts, ","))
			}
		}
		if len(e.Pending) > 0 {
			fmt.Fprintf(tw, "\npending accounts in %s (left out of the synth until account.id is recorded):\n", e.Name)
			fmt.Fprintln(tw, "  TENANT\tREQUESTED FOR\tOU\tREGION")
			for _, d := range e.Pending {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", d.ID, d.Email, d.OU, d.Region)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	switch {
	case p.Failures > 0:
		fmt.Fprintf(tw, "\nFAIL: %d quota(s) over their limit\n", p.Failures)
	case p.Warnings > 0:
		fmt.Fprintf(tw, "\nWARN: %d quota(s) at %d %% or more; add a cell to fleet.yaml before they fill up\n", p.Warnings, WarnPercent)
	default:
		fmt.Fprintln(tw, "\nok: every quota below 80 %")
	}
	return tw.Flush()
}
