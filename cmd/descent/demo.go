package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/descent-ml/descent/demo"
)

func init() {
	commands["demo"] = command{"run one of the optimisation lesson's claims as an experiment (no name: list them)", runDemo}
}

// demoFlags is what "descent demo" is asked for.
type demoFlags struct {
	Name   string
	Config demo.Config
	JSON   bool
	Quiet  bool
}

func parseDemoFlags(args []string, stderr io.Writer) (demoFlags, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: descent demo [NAME] [--out DIR] [--format png|svg] [--quick] [--seed N] [--json]\n\nWith no NAME it lists the demos: "+strings.Join(demo.Names(), ", ")+".")
		fs.PrintDefaults()
	}
	var f demoFlags
	c := &f.Config
	fs.StringVar(&c.Out, "out", "", "directory for the demo's pictures and report.json (default demo-NAME)")
	fs.StringVar(&c.Format, "format", "png", "picture format: png or svg")
	fs.BoolVar(&c.Quick, "quick", false, "a smaller, faster run of the same experiment")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of every random draw")
	fs.IntVar(&c.Threads, "threads", 0, "threads the training kernels use (0: all cores)")
	fs.BoolVar(&f.JSON, "json", false, "print the report as one JSON object")
	fs.BoolVar(&f.Quiet, "quiet", false, "no progress output")
	// The name may come before or after the flags.
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		f.Name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 1 || (fs.NArg() == 1 && f.Name != ""):
		return f, fmt.Errorf("unexpected argument %q (one demo at a time)", fs.Arg(fs.NArg()-1))
	case fs.NArg() == 1:
		f.Name = fs.Arg(0)
	}
	if f.Name != "" && c.Out == "" {
		c.Out = "demo-" + f.Name
	}
	return f, nil
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseDemoFlags(args, stderr)
	if err != nil {
		return err
	}
	if f.Name == "" {
		return listDemos(stdout, f.JSON)
	}
	if !f.Quiet {
		f.Config.Log = stderr
	}
	rep, err := demo.Run(ctx, f.Name, f.Config)
	if err != nil {
		return err
	}
	if f.JSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	return rep.WriteText(stdout)
}

// listDemos writes the demos' names, titles and claims.
func listDemos(w io.Writer, asJSON bool) error {
	type entry struct {
		Name  string `json:"name"`
		Title string `json:"title"`
		Claim string `json:"claim"`
	}
	var list []entry
	for _, d := range demo.List() {
		list = append(list, entry{d.Name, d.Title, d.Claim})
	}
	if asJSON {
		return json.NewEncoder(w).Encode(list)
	}
	var b strings.Builder
	for _, e := range list {
		fmt.Fprintf(&b, "%-16s %s\n%-16s %s\n", e.Name, e.Title, "", e.Claim)
	}
	b.WriteString("\nRun \"descent demo NAME\" to run one; its pictures and report.json go to demo-NAME/ (--out DIR).\n")
	_, err := io.WriteString(w, b.String())
	return err
}
