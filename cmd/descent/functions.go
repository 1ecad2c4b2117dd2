package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/descent-ml/descent/surface"
)

func init() {
	commands["functions"] = command{"list the loss surfaces: formulas, domains, minima", runFunctions}
}

// functionsConfig is what "descent functions" is asked for.
type functionsConfig struct {
	Specs []string // functions to describe; none: every named function with its defaults
	JSON  bool
}

func parseFunctionsFlags(args []string, stderr io.Writer) (functionsConfig, error) {
	fs := flag.NewFlagSet("functions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: descent functions [--json] [SPEC ...]   (SPEC: NAME[:key=value,...] or expr:EXPRESSION)")
		fs.PrintDefaults()
	}
	var cfg functionsConfig
	fs.BoolVar(&cfg.JSON, "json", false, "print one JSON array")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.Specs = fs.Args()
	return cfg, nil
}

func runFunctions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFunctionsFlags(args, stderr)
	if err != nil {
		return err
	}
	specs := cfg.Specs
	if len(specs) == 0 {
		specs = surface.Names()
	}
	fns := make([]*surface.Function, len(specs))
	for i, s := range specs {
		if fns[i], err = surface.New(s); err != nil {
			return err
		}
	}
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(fns)
	}
	if err := surface.WriteCatalog(stdout, fns); err != nil {
		return err
	}
	if len(cfg.Specs) == 0 {
		_, err = fmt.Fprintln(stdout, "\nexpr:EXPRESSION\n  any function of x and y, as \"expr:x^2 - y^2 + 0.1*x^4\", with exact derivatives")
	}
	return err
}
