package surface

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable writes results as a text table to w: one row per racer with
// its name, final point, final loss, steps taken, status and the nearest
// listed minimum with its distance.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "optimizer\tfinal point\tfinal loss\tsteps\tstatus\tnearest minimum\tdistance")
	for _, r := range results {
		loss, steps := "-", len(r.Trajectory)-1
		if len(r.Losses) > 0 {
			loss = num(r.Losses[len(r.Losses)-1])
		}
		near, dist := "-", "-"
		if m := r.NearestMinimum; m != nil {
			kind := "local"
			if m.Global {
				kind = "global"
			}
			near, dist = fmt.Sprintf("%s %s", point(m.Location), kind), num(m.Distance)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.Name, point(r.Final), loss, max(steps, 0), r.Status, near, dist)
	}
	return tw.Flush()
}

// WriteCatalog writes fns as text to w: for each function its spec,
// domain, suggested start, formula, description and critical points.
func WriteCatalog(w io.Writer, fns []*Function) error {
	for i, f := range fns {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s\n", f.Spec())
		fmt.Fprintf(&b, "  f = %s\n", f.Formula())
		fmt.Fprintf(&b, "  %s\n", f.Description())
		dom := make([]string, len(f.domain))
		for k, r := range f.domain {
			dom[k] = fmt.Sprintf("[%s, %s]", num(r.Lo), num(r.Hi))
		}
		if len(dom) > 4 {
			dom = append(dom[:3], fmt.Sprintf("… (%d coordinates)", len(f.domain)))
		}
		fmt.Fprintf(&b, "  domain %s, start %s\n", strings.Join(dom, " × "), point(f.start))
		for _, p := range f.params {
			fmt.Fprintf(&b, "  %s = %s: %s\n", p.Key, num(p.Value), p.Doc)
		}
		for _, c := range f.critical {
			fmt.Fprintf(&b, "  %-14s %s  f = %s\n", kindName(c), point(c.X), num(c.Value))
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}
